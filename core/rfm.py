"""Classic RFM scores and groups, beside k-means, because many marketers already know them.

Scores: recency (R), frequency (F) and money (M) each from 1 to 5 by quintiles of the customers: 5 is the
most recent fifth (fewest days since the last purchase), the fifth with the most purchases, and the fifth
with the highest total spend. Customers with the same value get the same score: a score is
1 + floor(5 x (customers with a worse value) / all customers), so the worst value always scores 1, and
when many customers share a value (half of all customers often buy once) some scores stay empty rather
than customers with equal behaviour being split at random.

Groups: the widely used recency-frequency grid (R down, F across) names each customer:

            F=1                F=2                  F=3                  F=4               F=5
    R=5     New customers      Potential loyalists  Potential loyalists  Champions         Champions
    R=4     Promising          Potential loyalists  Potential loyalists  Loyal customers   Loyal customers
    R=3     About to sleep     About to sleep       Need attention       Loyal customers   Loyal customers
    R=2     Hibernating        Hibernating          At risk              At risk           Can't lose them
    R=1     Lost               Hibernating          At risk              At risk           Can't lose them
"""

import numpy as np
import pandas as pd

R_SCORE = "R score"
F_SCORE = "F score"
M_SCORE = "M score"
RFM_GROUP = "RFM group"
RFM_COLUMNS = (R_SCORE, F_SCORE, M_SCORE, RFM_GROUP)
SCORES = 5

CHAMPIONS = "Champions"
LOYAL = "Loyal customers"
POTENTIAL = "Potential loyalists"
NEW = "New customers"
PROMISING = "Promising"
NEED_ATTENTION = "Need attention"
ABOUT_TO_SLEEP = "About to sleep"
AT_RISK = "At risk"
CANT_LOSE = "Can't lose them"
HIBERNATING = "Hibernating"
LOST = "Lost"
# Best first: the order in which groups are listed in the app, the exports and the report.
RFM_GROUPS = (
    CHAMPIONS, LOYAL, POTENTIAL, NEW, PROMISING, NEED_ATTENTION, ABOUT_TO_SLEEP, AT_RISK, CANT_LOSE,
    HIBERNATING, LOST,
)
# GRID[r - 1][f - 1]: the group of a customer with recency score r and frequency score f.
GRID = (
    (LOST, HIBERNATING, AT_RISK, AT_RISK, CANT_LOSE),
    (HIBERNATING, HIBERNATING, AT_RISK, AT_RISK, CANT_LOSE),
    (ABOUT_TO_SLEEP, ABOUT_TO_SLEEP, NEED_ATTENTION, LOYAL, LOYAL),
    (PROMISING, POTENTIAL, POTENTIAL, LOYAL, LOYAL),
    (NEW, POTENTIAL, POTENTIAL, CHAMPIONS, CHAMPIONS),
)
# What each group is, in one sentence (the app's tooltips, the report's RFM page).
GROUP_MEANINGS = {
    CHAMPIONS: "Bought recently and often.",
    LOYAL: "Buy often; their last purchase was not long ago.",
    POTENTIAL: "Bought recently, a few times: could become loyal.",
    NEW: "Bought recently, for the first time.",
    PROMISING: "Bought fairly recently, once.",
    NEED_ATTENTION: "Average recency and frequency: at a turning point.",
    ABOUT_TO_SLEEP: "Average recency, rarely bought: slipping away.",
    AT_RISK: "Bought several times, but long ago.",
    CANT_LOSE: "Bought the most often, but not for a long time.",
    HIBERNATING: "Bought rarely and long ago.",
    LOST: "Bought once, long ago.",
}


def quintile_scores(values: pd.Series | np.ndarray, higher_is_better: bool = True) -> np.ndarray:
    """1-5 per value: 1 + floor(5 x (values that are worse) / count). Equal values get equal scores."""
    numbers = np.asarray(values, dtype="float64")
    if not higher_is_better:
        numbers = -numbers
    if len(numbers) == 0:
        return np.zeros(0, dtype=np.int64)
    ordered = np.sort(numbers)
    worse = np.searchsorted(ordered, numbers, side="left")
    return 1 + (SCORES * worse) // len(numbers)


def rfm_groups(recency: np.ndarray, frequency: np.ndarray) -> np.ndarray:
    """The group name of each customer from the R and F scores (1-5), by the grid above."""
    grid = np.asarray(GRID, dtype=object)
    return grid[np.asarray(recency) - 1, np.asarray(frequency) - 1]


def rfm_columns(
    days_since_last: pd.Series, purchases: pd.Series, total_spend: pd.Series
) -> dict[str, object]:
    """The R, F and M scores and the RFM group of each customer, as columns to append to the table."""
    recency = quintile_scores(days_since_last, higher_is_better=False)
    frequency = quintile_scores(purchases)
    return {
        R_SCORE: recency,
        F_SCORE: frequency,
        M_SCORE: quintile_scores(total_spend),
        RFM_GROUP: pd.Categorical(rfm_groups(recency, frequency), categories=RFM_GROUPS),
    }


def group_summary(
    groups: pd.Series, purchases: pd.Series, days_since_last: pd.Series, total_spend: pd.Series
) -> pd.DataFrame:
    """One row per RFM group, best first: customers, their share, average purchases and days since the
    last purchase, total spend and the group's share of all revenue. Groups nobody is in are left out."""
    frame = pd.DataFrame({
        "group": pd.Categorical(groups, categories=RFM_GROUPS), "purchases": np.asarray(purchases),
        "days": np.asarray(days_since_last), "spend": np.asarray(total_spend, dtype="float64"),
    })
    grouped = frame.groupby("group", observed=True)
    summary = pd.DataFrame({
        "Customers": grouped.size(),
        "Share of customers": grouped.size() / len(frame),
        "Average purchases": grouped["purchases"].mean(),
        "Average days since last purchase": grouped["days"].mean(),
        "Total spend": grouped["spend"].sum(),
    })
    revenue = frame["spend"].sum()
    summary["Share of revenue"] = summary["Total spend"] / revenue if revenue > 0 else np.nan
    summary = summary.reindex([group for group in RFM_GROUPS if group in summary.index])
    summary.index = pd.Index(summary.index.astype("str"), name=RFM_GROUP)
    return summary
