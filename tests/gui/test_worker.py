"""The one background mechanism: results, errors, cancellation and replaced runs reach the GUI correctly."""

import sys
import threading

from core.errors import DataError
from core.progress import raise_if_cancelled, report


def wait_until_cancelled(hooks):
    """A task that runs until asked to stop, checking the flag like core loops do."""
    started.set()
    while True:
        raise_if_cancelled(hooks.cancel)
        threading.Event().wait(0.005)


started = threading.Event()


def test_result_arrives_on_the_gui_thread(qtbot, runner):
    results = []
    main_thread = threading.get_ident()
    with qtbot.waitSignal(runner.busy_changed, timeout=5000, check_params_cb=lambda busy: not busy):
        runner.run(lambda hooks: 6 * 7, lambda value: results.append((value, threading.get_ident())))
    assert results == [(42, main_thread)]
    assert not runner.is_busy


def test_progress_and_partial_results_cross_threads(qtbot, runner):
    partials, progress = [], []
    runner.progress.connect(lambda fraction, message: progress.append((fraction, message)))

    def task(hooks):
        for k in range(1, 4):
            hooks.partial(k)
            report(hooks.progress, k / 3, f"k = {k}")
        return "done"

    with qtbot.waitSignal(runner.busy_changed, timeout=5000, check_params_cb=lambda busy: not busy):
        runner.run(task, lambda _: None, on_partial=partials.append)
    assert partials == [1, 2, 3]
    assert progress[-1] == (1.0, "k = 3")


def test_user_error_is_reported_as_its_message(qtbot, runner):
    def task(hooks):
        raise DataError("The column 'Age' has no numbers; untick it.")

    with qtbot.waitSignal(runner.failed, timeout=5000) as blocker:
        runner.run(task, lambda _: None)
    assert blocker.args == ["The column 'Age' has no numbers; untick it."]


def test_unexpected_error_is_logged_not_shown_as_traceback(qtbot, runner, user_data_folder):
    def task(hooks):
        raise ZeroDivisionError("division by zero")

    with qtbot.waitSignal(runner.failed, timeout=5000) as blocker:
        runner.run(task, lambda _: None, description="finding segments")
    message = blocker.args[0]
    assert message.startswith("Something went wrong while finding segments")
    assert "Traceback" not in message
    log_files = list(user_data_folder.rglob("segment-studio.log"))
    assert len(log_files) == 1
    assert "ZeroDivisionError: division by zero" in log_files[0].read_text(encoding="utf-8")


def test_cancel_is_reported_by_its_own_signal(qtbot, runner):
    errors, results = [], []
    runner.failed.connect(errors.append)
    started.clear()
    runner.run(wait_until_cancelled, results.append)
    assert started.wait(5)
    with qtbot.waitSignal(runner.cancelled, timeout=2000):
        runner.cancel()
    assert errors == []
    assert results == []
    assert not runner.is_busy


def test_a_new_run_cancels_and_disconnects_the_old_one(qtbot, runner):
    old_results, new_results, cancelled = [], [], []
    runner.cancelled.connect(lambda: cancelled.append(True))
    release_old = threading.Event()

    def ignoring_cancel(hooks):
        # A task that finishes although it was cancelled: its late result must still be dropped.
        release_old.wait(5)
        return "old"

    runner.run(ignoring_cancel, old_results.append)
    with qtbot.waitSignal(runner.busy_changed, timeout=5000, check_params_cb=lambda busy: not busy):
        runner.run(lambda hooks: "new", new_results.append)
    release_old.set()
    # The old thread's "finished" is queued after its result, so once it is processed the result was too.
    qtbot.waitUntil(runner.is_idle, timeout=5000)
    assert new_results == ["new"]
    assert old_results == []
    assert cancelled == []


def test_a_runner_that_was_shut_down_starts_nothing(runner):
    """A timer firing while the application quits must not start a thread that outlives the window."""
    ran = threading.Event()
    runner.shutdown()

    runner.run(lambda hooks: ran.set(), lambda _: None)

    assert not runner.is_busy
    assert runner.is_idle()
    assert not ran.is_set()


def test_a_runner_makes_workers_hand_python_lock_to_the_gui_thread_quickly(qtbot):
    """With Python's default interval (5 ms), the GUI thread waited 60-80 ms for the lock while a worker ran
    matplotlib (see GUI_SWITCH_INTERVAL); row 7 of `make bench` measures what the short interval gives."""
    from desktop_app.worker import GUI_SWITCH_INTERVAL, TaskRunner

    before = sys.getswitchinterval()
    sys.setswitchinterval(0.005)
    try:
        TaskRunner()
        assert sys.getswitchinterval() <= GUI_SWITCH_INTERVAL
    finally:
        sys.setswitchinterval(before)
