"""The distance curve DBSCAN's automatic distance is read from, drawn for the method chooser.

Each customer's distance to their n-th nearest customer, sorted (core.methods.dbscan.DistanceCurve): flat
where customers are packed closely, turning sharply upwards where they are sparse. The automatic
distance sits at the bend; a distance the user set is drawn beside it.
"""

from matplotlib.axes import Axes

CURVE_COLOUR = "#0072B2"
AUTOMATIC_COLOUR = "#E69F00"
CHOSEN_COLOUR = "#D55E00"


def draw_distance_curve(axes: Axes, curve, chosen: float | None, *, ink: str) -> None:
    """`curve`: core's DistanceCurve; `chosen`: the user's own distance, None while it is automatic."""
    shares = [share * 100 for share in curve.shares]
    axes.plot(shares, curve.distances, color=CURVE_COLOUR, linewidth=1.8)
    axes.plot(
        [curve.chosen_share * 100], [curve.chosen_distance], "o", color=AUTOMATIC_COLOUR,
        markeredgecolor=ink, markersize=8, label=f"Automatic: {curve.chosen_distance:.3g}",
    )
    if chosen is not None:
        axes.axhline(chosen, color=CHOSEN_COLOUR, linestyle="--", linewidth=1.4, label=f"Yours: {chosen:.3g}")
    axes.set_xlabel("Customers, from the most closely packed (%)", fontsize="small")
    axes.set_ylabel("Distance", fontsize="small")
    axes.tick_params(labelsize="small")
    axes.set_xlim(0, 100)
    axes.set_ylim(0, max(curve.distances[-1], chosen or 0) * 1.05)
    axes.legend(loc="upper left", fontsize="small", frameon=False)
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
