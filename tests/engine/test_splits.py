"""The data of the splits diagram (clustree): nodes per segment per k, arrows between consecutive ks."""

import numpy as np
import pytest

from core.errors import DataError
from core.methods import UNUSUAL
from core.splits import SplitEdge, SplitNode, labels_for_ks, segment_splits
from tests.engine.test_stability import Recorder


def test_nodes_and_arrows_of_a_hand_made_case():
    """Ten customers: at k = 2 segments A (0-5) and B (6-9); at k = 3, A splits into 0-2 and 3-5 except
    that customer 5 goes with B's customers, who stay together."""
    labels = {
        1: np.zeros(10, dtype=np.int64),
        2: np.array([0, 0, 0, 0, 0, 0, 1, 1, 1, 1]),
        3: np.array([0, 0, 0, 1, 1, 2, 2, 2, 2, 2]),
    }

    tree = segment_splits(labels)

    assert tree.ks == (1, 2, 3)
    assert tree.nodes_at(3) == (SplitNode(3, 0, 3), SplitNode(3, 1, 2), SplitNode(3, 2, 5))
    assert tree.edges_into(2) == (SplitEdge(2, 0, 0, 6, 1.0), SplitEdge(2, 0, 1, 4, 1.0))
    assert tree.edges_into(3) == (
        SplitEdge(3, 0, 0, 3, 1.0),
        SplitEdge(3, 0, 1, 2, 1.0),
        SplitEdge(3, 0, 2, 1, 0.2),  # customer 5: a fifth of the new segment came from A
        SplitEdge(3, 1, 2, 4, 0.8),
    )


def test_arrows_under_a_tenth_of_a_segment_are_hidden():
    at_two = np.array([0] * 10 + [1] * 20)
    at_three = np.array([0] * 10 + [1] * 10 + [2] * 10)
    at_three[0] = 2  # one of eleven customers of segment 2 came from segment 0: 9 %, hidden
    tree = segment_splits({2: at_two, 3: at_three})
    assert [(edge.parent, edge.child) for edge in tree.edges_into(3)] == [(0, 0), (1, 1), (1, 2)]
    assert (0, 2) in [(edge.parent, edge.child) for edge in segment_splits({2: at_two, 3: at_three},
                                                                           min_share=0.05).edges]


def test_unusual_customers_are_a_node_of_their_own_and_a_gap_in_the_ks_has_no_arrows():
    tree = segment_splits({2: np.array([0, 0, 1, UNUSUAL]), 4: np.array([0, 1, 2, 3])})
    assert SplitNode(2, UNUSUAL, 1) in tree.nodes
    assert tree.edges == ()
    assert tree.to_dict()["nodes"][0] == {"k": 2, "label": UNUSUAL, "size": 1}


def test_segmentations_of_different_customers_are_a_data_error():
    with pytest.raises(DataError):
        segment_splits({2: np.zeros(4), 3: np.zeros(5)})


def test_only_the_ks_without_labels_are_fitted():
    data = np.arange(20.0)[:, None]
    refit = Recorder(cuts=(9.5,))
    known = {2: np.zeros(20, dtype=np.int64)}

    labels = labels_for_ks(data, [2, 3, 4], refit.method(), known=known)

    assert list(labels) == [2, 3, 4]
    assert labels[2] is known[2]
    assert len(refit.fitted_rows) == 2
