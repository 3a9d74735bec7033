"""Profiling: sizes, averages in the user's units, category shares, names and descriptions of segments."""

import numpy as np
import pandas as pd
import pytest

from core.profiling import column_label, profile_segments, profile_table, unit_of

INCOME = "Annual Income (k$)"
SPENDING = "Spending Score (1-100)"
FEATURES = (INCOME, SPENDING)

# The five classic Mall groups: (income, spending) centre, size, share of women.
MALL_GROUPS = {
    "Low income, low spending": ((26, 21), 23, 0.6),
    "Low income, high spending": ((26, 79), 22, 0.6),
    "Average income, average spending": ((55, 50), 81, 0.6),
    "High income, low spending": ((88, 17), 35, 0.4),
    "High income, high spending": ((87, 82), 39, 0.55),
}


def mall_like() -> tuple[pd.DataFrame, np.ndarray, pd.DataFrame]:
    """A Mall-like table with its true groups as labels and group means as centroids."""
    rng = np.random.default_rng(7)
    parts, labels = [], []
    for segment, ((income, spending), size, women) in enumerate(MALL_GROUPS.values()):
        genders = np.where(np.arange(size) < round(women * size), "Female", "Male")
        parts.append(
            pd.DataFrame(
                {
                    "Gender": genders,
                    "Age": rng.integers(18, 70, size),
                    INCOME: income + rng.normal(0, 3, size),
                    SPENDING: spending + rng.normal(0, 3, size),
                }
            )
        )
        labels.extend([segment] * size)
    frame = pd.concat(parts, ignore_index=True)
    frame.insert(0, "CustomerID", np.arange(1, len(frame) + 1))
    frame["Gender"] = frame["Gender"].astype("str")
    labels = np.asarray(labels)
    centroids = frame[list(FEATURES)].groupby(labels).mean().reset_index(drop=True)
    return frame, labels, centroids


@pytest.fixture
def mall_profiles():
    frame, labels, centroids = mall_like()
    return frame, labels, *profile_segments(frame, labels, FEATURES, centroids)


def test_the_five_mall_groups_get_their_plain_language_names(mall_profiles):
    *_, profiles, _overall = mall_profiles

    assert [profile.name for profile in profiles] == list(MALL_GROUPS)
    assert [profile.number for profile in profiles] == [1, 2, 3, 4, 5]


def test_a_description_says_what_sets_the_segment_apart_in_the_files_units(mall_profiles):
    *_, profiles, overall = mall_profiles
    rich_but_careful = profiles[3]

    income, everyone = rich_but_careful.medians[INCOME], overall.medians[INCOME]
    spending, everyone_spending = rich_but_careful.medians[SPENDING], overall.medians[SPENDING]
    assert rich_but_careful.description == (
        "35 customers (18 %). "
        f"Income: {income / everyone:.1f}x the typical customer's ({income:.0f} k$ vs {everyone:.0f}). "
        f"Spending: {spending / everyone_spending:.2f}x the typical customer's "
        f"({spending:.0f} vs {everyone_spending:.0f}). "
        f"Gender: mostly Male (60 % vs {100 * overall.category_shares['Gender']['Male']:.0f} % of all "
        "customers)."
    )
    for jargon in ("standard deviation", "centroid", "z-score"):
        assert jargon not in rich_but_careful.description


def test_sizes_and_shares_cover_the_segmented_customers(mall_profiles):
    frame, _labels, profiles, overall = mall_profiles

    assert [profile.size for profile in profiles] == [23, 22, 81, 35, 39]
    assert sum(profile.share for profile in profiles) == pytest.approx(1.0)
    assert overall.size == len(frame)


def test_customers_left_out_belong_to_no_segment_and_not_to_the_overall_averages():
    frame, labels, centroids = mall_like()
    labels = labels.copy()
    labels[:3] = -1  # three customers were left out for missing values

    profiles, overall = profile_segments(frame, labels, FEATURES, centroids)

    assert overall.size == len(frame) - 3
    assert profiles[0].size == 20
    assert overall.means[INCOME] == pytest.approx(frame[INCOME].iloc[3:].mean())


def test_every_number_column_is_profiled_except_the_customer_number(mall_profiles):
    frame, labels, profiles, overall = mall_profiles

    assert set(overall.means) == {"Age", INCOME, SPENDING}
    middle = profiles[2]
    in_middle = frame[labels == 2]
    assert middle.means["Age"] == pytest.approx(in_middle["Age"].mean())
    assert middle.medians[INCOME] == pytest.approx(in_middle[INCOME].median())
    assert middle.centroid == pytest.approx(
        {INCOME: in_middle[INCOME].mean(), SPENDING: in_middle[SPENDING].mean()}
    )
    expected = (in_middle["Age"].mean() - frame["Age"].mean()) / frame["Age"].std(ddof=0)
    assert middle.difference["Age"] == pytest.approx(expected)


def test_category_shares_per_segment_and_overall(mall_profiles):
    frame, _labels, profiles, overall = mall_profiles

    assert overall.category_shares == {
        "Gender": pytest.approx(frame["Gender"].value_counts(normalize=True).to_dict())
    }
    assert profiles[3].category_shares["Gender"] == pytest.approx({"Female": 14 / 35, "Male": 21 / 35})
    for profile in profiles:
        assert sum(profile.category_shares["Gender"].values()) == pytest.approx(1.0)


def test_segments_alike_in_the_two_main_traits_are_told_apart_by_a_third():
    rng = np.random.default_rng(3)
    sizes = (20, 20, 160)
    # Two rich big spenders, one young and one older; age sets them apart less than money does.
    frame = pd.DataFrame(
        {
            INCOME: np.concatenate([rng.normal(90, 2, 20), rng.normal(90, 2, 20), rng.normal(30, 2, 160)]),
            SPENDING: np.concatenate([rng.normal(80, 2, 20), rng.normal(80, 2, 20), rng.normal(20, 2, 160)]),
            "Age": np.concatenate([rng.normal(30, 1, 20), rng.normal(50, 1, 20), rng.normal(40, 15, 160)]),
        }
    )
    labels = np.repeat([0, 1, 2], sizes)
    features = (INCOME, SPENDING, "Age")
    centroids = frame.groupby(labels).mean().reset_index(drop=True)

    profiles, _ = profile_segments(frame, labels, features, centroids)

    assert [profile.name for profile in profiles] == [
        "High income, high spending, younger",
        "High income, high spending, older",
        "Typical customers",  # 160 of the 200: their median is everyone's
    ]


def test_segments_alike_in_every_feature_get_numbered_names():
    frame = pd.DataFrame({INCOME: [10.0, 10.0, 10.0, 10.0, 90.0, 90.0]})
    labels = np.array([0, 0, 1, 1, 2, 2])
    centroids = pd.DataFrame({INCOME: [10.0, 10.0, 90.0]})

    profiles, _ = profile_segments(frame, labels, (INCOME,), centroids)

    names = [profile.name for profile in profiles]
    assert names == ["Low income (1)", "Low income (2)", "High income"]


def test_a_categorical_feature_is_named_by_its_dominant_level():
    frame = pd.DataFrame(
        {
            "Gender": pd.Series(["Female"] * 9 + ["Male"] + ["Male"] * 9 + ["Female"], dtype="str"),
            INCOME: [50.0] * 20,
        }
    )
    labels = np.repeat([0, 1], 10)
    centroids = pd.DataFrame(
        {"Gender = Female": [0.9, 0.1], "Gender = Male": [0.1, 0.9], INCOME: [50.0, 50.0]}
    )

    profiles, _ = profile_segments(frame, labels, ("Gender", INCOME), centroids)

    assert [profile.name for profile in profiles] == [
        "Mostly Female, average income",
        "Mostly Male, average income",
    ]
    assert profiles[0].centroid == {INCOME: 50.0}


def test_profile_table_has_a_row_per_segment_and_one_for_everyone(mall_profiles):
    *_, profiles, overall = mall_profiles

    table = profile_table(profiles, overall)

    assert list(table.columns) == [
        "Segment", "Name", "Customers", "Share", "Age", INCOME, SPENDING, "Gender: Female %"
    ]  # fmt: skip
    assert table["Segment"].tolist()[:5] == [1, 2, 3, 4, 5]
    assert table["Segment"].isna().tolist() == [False] * 5 + [True]
    assert table["Name"].iloc[-1] == "All customers"
    assert table["Customers"].tolist() == [23, 22, 81, 35, 39, 200]
    assert table["Share"].iloc[-1] == 1.0
    assert table[INCOME].iloc[3] == pytest.approx(profiles[3].means[INCOME])
    assert table["Gender: Female %"].iloc[3] == pytest.approx(40.0)
    assert table["Gender: Female %"].iloc[-1] == pytest.approx(
        100 * overall.category_shares["Gender"]["Female"]
    )


@pytest.mark.parametrize(
    ("column", "label"),
    [
        (INCOME, "income"),
        ("MntWines", "spending on wines"),
        ("MntGoldProds", "spending on gold products"),
        ("NumWebVisitsMonth", "web visits per month"),
        ("Teenhome", "teens at home"),
        ("AcceptedCmp5", "accepted campaign 5"),
        ("CASH_ADVANCE_TRX", "cash advance transactions"),
        ("number_of_cds", "number of CDs"),
        ("dollar_value", "dollar value"),
        ("PURCHASES_FREQUENCY", "purchases frequency"),
    ],
)
def test_column_labels_are_readable_words(column, label):
    assert column_label(column) == label


def test_a_label_the_user_gave_replaces_the_column_name_everywhere_in_names_and_words():
    frame = pd.DataFrame({"MntWines": [5.0, 6.0, 7.0, 500.0, 600.0, 700.0]})
    labels = np.array([0, 0, 0, 1, 1, 1])
    centroids = frame.groupby(labels).mean().reset_index(drop=True)

    profiles, overall = profile_segments(
        frame, labels, ("MntWines",), centroids, column_labels={"MntWines": "Wine spending"}
    )

    assert [profile.name for profile in profiles] == ["Low wine spending", "High wine spending"]
    assert "Wine spending: " in profiles[1].description
    assert "MntWines" not in profiles[1].description
    assert overall.column_labels == {"MntWines": "Wine spending"}


def test_units_come_from_brackets_but_ranges_are_not_units():
    assert unit_of(INCOME) == "k$"
    assert unit_of(SPENDING) == ""
    assert unit_of("Age") == ""


def test_age_and_tenure_are_named_in_everyday_words():
    frame = pd.DataFrame(
        {
            "Age": [22.0, 24.0, 23.0, 61.0, 63.0, 62.0],
            "Tenure (years)": [1.0, 1.0, 2.0, 12.0, 11.0, 12.0],
        }
    )
    labels = np.array([0, 0, 0, 1, 1, 1])
    centroids = frame.groupby(labels).mean().reset_index(drop=True)
    profiles, _ = profile_segments(frame, labels, ("Age", "Tenure (years)"), centroids)
    assert [profile.name for profile in profiles] == [
        "Younger, new customers",
        "Older, long-standing customers",
    ]


def test_a_segment_average_on_more_features_than_a_name_lists_is_called_typical():
    rng = np.random.default_rng(5)
    middle = pd.DataFrame({name: rng.normal(50, 1, 40) for name in ("Age", "Income", "Spending")})
    edges = pd.DataFrame({name: np.r_[rng.normal(20, 1, 20), rng.normal(80, 1, 20)] for name in middle})
    frame = pd.concat([middle, edges], ignore_index=True)
    labels = np.repeat([0, 1, 2], 20 * np.array([2, 1, 1]))
    centroids = frame.groupby(labels).mean().reset_index(drop=True)
    profiles, _ = profile_segments(frame, labels, ("Age", "Income", "Spending"), centroids)
    assert profiles[0].name == "Typical customers"
    assert profiles[1].name != "Typical customers"


def test_a_majority_barely_commoner_than_among_everyone_is_not_mentioned():
    # 6 of 11 women (55 %) in one segment, 6 of 11 men in the other, against 50 % of each overall.
    frame = pd.DataFrame(
        {
            "Income": [10.0 + i for i in range(11)] + [90.0 + i for i in range(11)],
            "Gender": ["Female"] * 6 + ["Male"] * 5 + ["Female"] * 5 + ["Male"] * 6,
        }
    )
    labels = np.array([0] * 11 + [1] * 11)
    centroids = frame[["Income"]].groupby(labels).mean().reset_index(drop=True)
    profiles, overall = profile_segments(frame, labels, ("Income",), centroids)
    assert overall.category_shares["Gender"]["Female"] == 0.5
    assert profiles[0].category_shares["Gender"]["Female"] > 0.5
    assert all("Mostly" not in profile.description for profile in profiles)


def test_a_level_only_left_out_customers_have_is_in_no_share():
    frame = pd.DataFrame(
        {
            "Region": pd.Series(["North"] * 10 + ["South"] * 9 + ["Islands"], dtype="str"),
            INCOME: np.arange(20, dtype=float),
        }
    )
    labels = np.repeat([0, 1], 10)
    labels[-1] = -1  # the one island customer was left out (a missing value)
    centroids = pd.DataFrame({INCOME: [4.5, 14.0]})

    profiles, overall = profile_segments(frame, labels, (INCOME,), centroids)

    assert overall.category_shares["Region"] == {"North": 10 / 19, "South": 9 / 19}
    assert set(profiles[1].category_shares["Region"]) == {"North", "South"}


def test_new_column_labels_rename_suggested_names_but_keep_typed_ones():
    from types import SimpleNamespace

    from core.pipeline import Segmentation, relabel_columns, rename_segments

    frame = pd.DataFrame({"MntWines": [5.0, 6.0, 7.0, 500.0, 600.0, 700.0]})
    labels = np.array([0, 0, 0, 1, 1, 1])
    centroids = frame.groupby(labels).mean().reset_index(drop=True)
    profiles, overall = profile_segments(frame, labels, ("MntWines",), centroids)
    segmentation = Segmentation(2, SimpleNamespace(), labels, centroids, profiles, overall, np.zeros((2, 1)))
    segmentation = rename_segments(segmentation, ["Wine lovers", profiles[1].name])
    assert profiles[1].name == "High spending on wines"

    relabelled = relabel_columns(frame, segmentation, ("MntWines",), {"MntWines": "Wine spending"})

    assert relabelled.names == ("Wine lovers", "High wine spending")
    assert relabelled.overall.column_labels == {"MntWines": "Wine spending"}


def test_standings_of_many_customers_from_samples_stay_within_a_point_of_the_exact_ranks():
    from core.profiling import STANDING_SAMPLE

    rng = np.random.default_rng(11)
    rows = STANDING_SAMPLE + 50_000
    frame = pd.DataFrame(
        {"Spending": rng.lognormal(3, 1.5, rows), "Visits": rng.poisson(3, rows).astype(float)}
    )
    labels = np.minimum((frame["Spending"].rank(pct=True).to_numpy() * 4).astype(int), 3)
    labels[rng.random(rows) < 0.3] = 0  # segments that overlap, one of them small
    labels[:40] = 4
    centroids = frame.groupby(labels).mean().reset_index(drop=True)

    profiles, _ = profile_segments(frame, labels, ("Spending", "Visits"), centroids)

    exact = ((frame.rank(method="average") - 0.5) / rows * 100).groupby(labels).mean()
    for profile in profiles:
        for column in ("Spending", "Visits"):
            assert profile.standing[column] == pytest.approx(exact[column].iloc[profile.number - 1], abs=1.0)
    again, _ = profile_segments(frame, labels, ("Spending", "Visits"), centroids)
    assert [p.standing for p in again] == [p.standing for p in profiles], "the same every time"
