"""Preparation: which columns are used, missing values, encoding, log, scaling and the fitted preprocessor."""

import dataclasses
import json

import numpy as np
import pandas as pd
import pytest
from sklearn.preprocessing import MinMaxScaler, RobustScaler, StandardScaler

from core.columns import ColumnKind, ColumnSummary, summarize_columns
from core.errors import DataError, InputFileError, SettingsError
from core.preparation import (
    MAX_CATEGORY_LEVELS,
    MissingPolicy,
    PreparationSettings,
    Preprocessor,
    Scaling,
    default_features,
    missing_impact,
    prepare,
    suggest_log_columns,
)

WHOLESALE_SPENDING = ("Fresh", "Milk", "Grocery", "Frozen", "Detergents_Paper", "Delicassen")
MALL_NUMBERS = ("Age", "Annual Income (k$)", "Spending Score (1-100)")


@pytest.fixture(scope="module")
def mall(datasets_dir):
    return pd.read_csv(datasets_dir / "Mall_Customers.csv")


@pytest.fixture(scope="module")
def wholesale(datasets_dir):
    return pd.read_csv(datasets_dir / "Wholesale customers data.csv")


@pytest.fixture(scope="module")
def credit_cards(datasets_dir):
    return pd.read_csv(datasets_dir / "CC GENERAL.csv")


@pytest.fixture
def shop():
    """Six customers: a gap in Income (row 1) and in Gender (row 4)."""
    return pd.DataFrame(
        {
            "CustomerID": [101, 102, 103, 104, 105, 106],
            "Gender": pd.Series(["Female", "Male", "Female", "Male", None, "Female"], dtype="str"),
            "Income": [20.0, np.nan, 60.0, 80.0, 100.0, 40.0],
            "Visits": [1, 2, 3, 4, 5, 6],
        }
    )


# -- default features -------------------------------------------------------------------------------


def test_default_features_use_numbers_and_explain_every_exclusion():
    columns = [
        ColumnSummary("CustomerID", ColumnKind.IDENTIFIER, missing=0, distinct=200),
        ColumnSummary("Gender", ColumnKind.CATEGORICAL, missing=0, distinct=2),
        ColumnSummary("Age", ColumnKind.NUMERIC, missing=0, distinct=51),
        ColumnSummary("Joined", ColumnKind.DATE, missing=0, distinct=150),
        ColumnSummary("Z_Revenue", ColumnKind.CONSTANT, missing=0, distinct=1),
        ColumnSummary("Comment", ColumnKind.TEXT, missing=3, distinct=180),
        ColumnSummary("City", ColumnKind.CATEGORICAL, missing=0, distinct=45),
    ]

    choice = default_features(columns)

    assert choice.selected == ("Age",)
    assert set(choice.excluded) == {"CustomerID", "Gender", "Joined", "Z_Revenue", "Comment", "City"}
    assert "tick it" in choice.excluded["Gender"]
    assert choice.excluded["CustomerID"] == (
        "every value is different, like a customer number, so it says nothing about behaviour"
    )
    assert "dates" in choice.excluded["Joined"]
    assert "same value" in choice.excluded["Z_Revenue"]
    assert "180 different values" in choice.excluded["Comment"]
    assert "45 different values" in choice.excluded["City"]
    assert f"at most {MAX_CATEGORY_LEVELS}" in choice.excluded["City"]


def test_flags_and_campaign_outcomes_are_offered_but_not_chosen():
    columns = [
        ColumnSummary("Income", ColumnKind.NUMERIC, missing=0, distinct=900),
        ColumnSummary("Newsletter", ColumnKind.FLAG, missing=0, distinct=2),
        ColumnSummary("AcceptedCmp2", ColumnKind.FLAG, missing=0, distinct=2),
        ColumnSummary("Campaign responses", ColumnKind.NUMERIC, missing=0, distinct=6),
    ]

    choice = default_features(columns)

    assert choice.selected == ("Income",)
    assert "yes/no flag" in choice.excluded["Newsletter"]
    assert "past campaigns" in choice.excluded["AcceptedCmp2"]
    assert "past campaigns" in choice.excluded["Campaign responses"]
    assert all("tick it" in reason for reason in choice.excluded.values())


def test_default_features_on_the_mall_file_leave_out_the_customer_number(mall):
    choice = default_features(summarize_columns(mall))

    assert choice.selected == MALL_NUMBERS
    assert list(choice.excluded) == ["CustomerID", "Gender"]


# -- missing values ---------------------------------------------------------------------------------


def test_missing_impact_counts_rows_and_cells_per_chosen_feature(shop):
    impact = missing_impact(shop, ["Gender", "Income", "Visits"])

    assert impact.rows_with_missing == 2
    assert impact.cells_missing == {"Gender": 1, "Income": 1}


def test_missing_impact_trusts_the_summaries_of_columns_without_gaps(shop):
    columns = summarize_columns(shop)
    impact = missing_impact(shop, ["Gender", "Income", "Visits"], columns)
    assert (impact.rows_with_missing, impact.cells_missing) == (2, {"Gender": 1, "Income": 1})
    with_a_gap = shop.assign(Visits=shop["Visits"].where(shop.index != 0))  # not in the summaries
    impact = missing_impact(with_a_gap, ["Visits"], columns)
    assert (impact.rows_with_missing, impact.cells_missing) == (0, {})


def test_drop_leaves_out_rows_with_a_gap_and_says_so(shop):
    prepared = prepare(shop, PreparationSettings(features=("Income", "Visits")))

    assert prepared.rows_dropped == 1
    assert prepared.cells_filled == 0
    assert prepared.row_positions.tolist() == [0, 2, 3, 4, 5]
    assert prepared.matrix.shape == (5, 2)
    assert prepared.steps[0] == "Left out 1 of 6 customers with no value for Income."


def test_drop_of_the_credit_card_gaps_is_reported_with_thousands_separators(credit_cards):
    features = ("BALANCE", "PURCHASES", "MINIMUM_PAYMENTS")

    prepared = prepare(credit_cards, PreparationSettings(features=features))

    assert prepared.rows_dropped == 313
    assert len(prepared.matrix) == 8950 - 313
    assert prepared.steps[0] == "Left out 313 of 8,950 customers with no value for MINIMUM_PAYMENTS."


def test_fill_uses_the_median_for_numbers_and_the_most_frequent_level_for_categories(shop):
    settings = PreparationSettings(
        features=("Gender", "Income"), missing=MissingPolicy.FILL, scaling=Scaling.NONE
    )

    prepared = prepare(shop, settings)

    assert prepared.rows_dropped == 0
    assert prepared.cells_filled == 2
    assert prepared.row_positions.tolist() == list(range(6))
    assert prepared.feature_names == ("Gender = Female", "Gender = Male", "Income")
    assert prepared.matrix[1, 2] == 60.0  # median of 20, 40, 60, 80, 100
    assert prepared.matrix[4].tolist()[:2] == [1.0, 0.0]  # Female is the most frequent
    assert "Filled 1 empty values in Income with the middle value, the median (60)." in prepared.steps
    assert "Filled 1 empty values in Gender with the most common value (Female)." in prepared.steps


# -- categories -------------------------------------------------------------------------------------


def test_categories_become_one_yes_no_column_per_level(mall):
    prepared = prepare(mall, PreparationSettings(features=("Gender", "Age")))

    assert prepared.feature_names == ("Gender = Female", "Gender = Male", "Age")
    one_hot = prepared.matrix[:, :2]
    assert set(np.unique(one_hot)) == {0.0, 1.0}  # left as 0/1, not scaled: see the module docstring
    assert (one_hot.sum(axis=1) == 1).all()
    assert one_hot[:, 0].sum() == 112
    assert "Turned Gender into 2 yes/no columns so it can be compared." in prepared.steps


@pytest.mark.parametrize("missing", [MissingPolicy.DROP, MissingPolicy.FILL])
def test_a_word_column_held_as_categories_prepares_as_the_same_text_does(missing):
    """Files load word columns as pandas categories; a category no kept customer has is no level."""
    words = ["North", "South", "North", "East", "South", "North"]
    as_text = pd.DataFrame(
        {"Region": pd.Series(words, dtype="str"), "Income": [20.0, 30.0, 50.0, np.nan, 70.0, 40.0]}
    )
    as_categories = as_text.assign(
        Region=pd.Categorical(words, categories=["East", "North", "South", "West"])  # West: no customer
    )
    settings = PreparationSettings(features=("Region", "Income"), missing=missing)
    from_text, from_categories = prepare(as_text, settings), prepare(as_categories, settings)

    levels = ("Region = North", "Region = South") if missing is MissingPolicy.DROP else (
        "Region = East", "Region = North", "Region = South"
    )  # East's only customer has no Income: dropped, or kept with the median filled in
    assert from_categories.feature_names == (*levels, "Income")
    assert from_categories.feature_names == from_text.feature_names
    np.testing.assert_array_equal(from_categories.matrix, from_text.matrix)
    new_customers = from_categories.preprocessor.transform(as_categories.iloc[[3, 0]])
    np.testing.assert_array_equal(new_customers, from_text.preprocessor.transform(as_text.iloc[[3, 0]]))


def test_a_category_with_too_many_levels_is_refused_with_an_example_of_a_usable_one():
    cities = [f"Town {i:03d}" for i in range(312)]
    frame = pd.DataFrame(
        {
            "City": pd.Series(cities, dtype="str"),
            "Region": pd.Series(["North", "South"] * 156, dtype="str"),
            "Spend": np.arange(312.0),
        }
    )

    with pytest.raises(SettingsError) as raised:
        prepare(frame, PreparationSettings(features=("City", "Spend")))

    assert str(raised.value) == (
        "'City' has 312 different values; segments need a column with at most 20, such as Region. "
        "Leave 'City' out or group its values."
    )


def test_numbers_stored_as_text_are_named_with_the_offending_values():
    values = [str(i * 10) for i in range(40)]
    values[7] = "n/a"
    frame = pd.DataFrame({"Income": pd.Series(values, dtype="str"), "Age": np.arange(40)})

    with pytest.raises(SettingsError, match=r"'Income' looks like a column of numbers.*'n/a'"):
        prepare(frame, PreparationSettings(features=("Income", "Age")))


# -- scaling ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("scaling", "reference"),
    [
        (Scaling.STANDARD, StandardScaler()),
        (Scaling.MINMAX, MinMaxScaler()),
        (Scaling.ROBUST, RobustScaler()),
    ],
)
def test_scaling_matches_scikit_learn(wholesale, scaling, reference):
    prepared = prepare(wholesale, PreparationSettings(features=WHOLESALE_SPENDING, scaling=scaling))

    expected = reference.fit_transform(wholesale[list(WHOLESALE_SPENDING)].to_numpy(dtype=float))
    np.testing.assert_allclose(prepared.matrix, expected, rtol=1e-12, atol=1e-12)


def test_no_scaling_keeps_the_file_units(wholesale):
    prepared = prepare(wholesale, PreparationSettings(features=WHOLESALE_SPENDING, scaling=Scaling.NONE))

    np.testing.assert_array_equal(prepared.matrix, wholesale[list(WHOLESALE_SPENDING)].to_numpy(dtype=float))
    assert prepared.steps[-1].startswith("Kept every feature in the file's own units")


def test_scaling_is_recorded_in_plain_words(mall):
    prepared = prepare(mall, PreparationSettings(features=MALL_NUMBERS))

    assert prepared.steps == (
        "Put every feature on the same scale (standard scaling), so that no column counts more just "
        "because its numbers are bigger.",
    )


@pytest.mark.parametrize("scaling", list(Scaling))
def test_a_constant_feature_becomes_zeros_not_nan(scaling):
    frame = pd.DataFrame({"Stores": [3, 3, 3, 3], "Spend": [1.0, 2.0, 3.0, 4.0]})

    prepared = prepare(frame, PreparationSettings(features=("Stores", "Spend"), scaling=scaling))

    assert np.isfinite(prepared.matrix).all()
    expected_stores = 3.0 if scaling == Scaling.NONE else 0.0
    assert (prepared.matrix[:, 0] == expected_stores).all()


def test_robust_scaling_of_a_column_where_most_share_one_value_uses_its_spread():
    frame = pd.DataFrame({"Tenure": [12.0] * 17 + [6.0, 8.0, 10.0]})

    prepared = prepare(frame, PreparationSettings(features=("Tenure",), scaling=Scaling.ROBUST))

    values = frame["Tenure"].to_numpy()
    np.testing.assert_allclose(prepared.matrix[:, 0], (values - 12.0) / values.std())


# -- log transform ----------------------------------------------------------------------------------


def test_log_is_suggested_for_wholesale_spending_but_not_for_mall_numbers(wholesale, mall):
    wholesale_columns, mall_columns = summarize_columns(wholesale), summarize_columns(mall)

    assert suggest_log_columns(wholesale_columns, tuple(wholesale.columns)) == WHOLESALE_SPENDING
    assert suggest_log_columns(mall_columns, MALL_NUMBERS) == ()


def test_log_is_suggested_for_credit_card_purchases_but_not_for_frequencies(credit_cards):
    features = [c for c in credit_cards.columns if c != "CUST_ID"]
    suggested = suggest_log_columns(summarize_columns(credit_cards), features)

    assert "PURCHASES" in suggested
    assert "MINIMUM_PAYMENTS" in suggested
    for share_like in ("PURCHASES_FREQUENCY", "PRC_FULL_PAYMENT", "BALANCE_FREQUENCY", "TENURE"):
        assert share_like not in suggested


def test_log_transform_is_applied_before_scaling_and_recorded(wholesale):
    settings = PreparationSettings(features=("Fresh", "Milk"), log_columns=("Fresh",))

    prepared = prepare(wholesale, settings)

    logged = np.log1p(wholesale["Fresh"].to_numpy(dtype=float))
    np.testing.assert_allclose(prepared.matrix[:, 0], (logged - logged.mean()) / logged.std(), rtol=1e-12)
    assert prepared.steps[0].startswith("Used the logarithm of Fresh")


def test_log_of_a_column_with_negative_values_is_refused():
    frame = pd.DataFrame({"Balance": [-5.0, 10.0, 200.0], "Age": [20, 30, 40]})

    with pytest.raises(SettingsError, match=r"'Balance' has negative values \(the lowest is -5\)"):
        prepare(frame, PreparationSettings(features=("Balance", "Age"), log_columns=("Balance",)))


def test_log_of_a_text_column_is_refused(mall):
    with pytest.raises(SettingsError, match="'Gender' holds text"):
        prepare(mall, PreparationSettings(features=("Gender", "Age"), log_columns=("Gender",)))


# -- the fitted preprocessor ------------------------------------------------------------------------


@pytest.mark.parametrize("scaling", list(Scaling))
def test_inverse_transform_gives_back_the_file_units(mall, scaling):
    features = ("Gender", "Age", "Annual Income (k$)")
    settings = PreparationSettings(features=features, scaling=scaling, log_columns=("Age",))
    prepared = prepare(mall, settings)

    restored = prepared.preprocessor.inverse_transform(prepared.matrix)

    assert list(restored.columns) == ["Gender = Female", "Gender = Male", "Age", "Annual Income (k$)"]
    np.testing.assert_allclose(restored["Age"], mall["Age"], rtol=1e-12)
    np.testing.assert_allclose(restored["Annual Income (k$)"], mall["Annual Income (k$)"], rtol=1e-12)
    np.testing.assert_array_equal(restored["Gender = Female"], (mall["Gender"] == "Female").astype(float))


def test_a_centroid_maps_back_to_level_shares_and_average_numbers(mall):
    prepared = prepare(mall, PreparationSettings(features=("Gender", "Annual Income (k$)")))

    centre = prepared.preprocessor.inverse_transform(prepared.matrix.mean(axis=0))

    assert centre["Gender = Female"].iloc[0] == pytest.approx(112 / 200)
    assert centre["Gender = Male"].iloc[0] == pytest.approx(88 / 200)
    assert centre["Annual Income (k$)"].iloc[0] == pytest.approx(mall["Annual Income (k$)"].mean())


def test_preprocessor_survives_a_json_round_trip(mall):
    settings = PreparationSettings(
        features=("Gender", "Age", "Annual Income (k$)"), scaling=Scaling.ROBUST, log_columns=("Age",)
    )
    prepared = prepare(mall, settings)

    restored = Preprocessor.from_dict(json.loads(json.dumps(prepared.preprocessor.to_dict())))

    assert restored.settings == settings
    assert restored.feature_names_out_ == prepared.feature_names
    np.testing.assert_array_equal(restored.transform(mall), prepared.matrix)
    pd.testing.assert_frame_equal(
        restored.inverse_transform(prepared.matrix), prepared.preprocessor.inverse_transform(prepared.matrix)
    )


def test_a_damaged_saved_preprocessor_is_reported_not_crashed_on(mall):
    saved = prepare(mall, PreparationSettings(features=("Age",))).preprocessor.to_dict()
    del saved["features"][0]["scale"]

    with pytest.raises(InputFileError, match="damaged"):
        Preprocessor.from_dict(saved)


def test_new_customers_with_unseen_levels_and_gaps_can_still_be_assigned(shop):
    settings = PreparationSettings(features=("Gender", "Income"), scaling=Scaling.NONE)
    preprocessor = prepare(shop, settings).preprocessor
    newcomers = pd.DataFrame({"Gender": pd.Series(["Diverse", None], dtype="str"), "Income": [50.0, np.nan]})

    matrix = preprocessor.transform(newcomers)

    # Fitted on the rows DROP kept (0, 2, 3, 5): Female x3, Male x1; incomes 20, 60, 80, 40.
    assert matrix.tolist() == [[0.0, 0.0, 50.0], [1.0, 0.0, 50.0]]
    assert preprocessor.missing_rows(newcomers).tolist() == [False, True]


def test_fit_transform_equals_fit_then_transform(mall):
    settings = PreparationSettings(features=("Gender", *MALL_NUMBERS))

    fitted = Preprocessor(settings).fit(mall)

    np.testing.assert_array_equal(Preprocessor(settings).fit_transform(mall), fitted.transform(mall))


# -- errors and guarantees --------------------------------------------------------------------------


def test_no_features_is_a_settings_error(mall):
    with pytest.raises(SettingsError, match="No columns are chosen"):
        prepare(mall, PreparationSettings(features=()))


def test_an_unknown_column_is_named_with_the_available_ones(mall):
    with pytest.raises(SettingsError) as raised:
        prepare(mall, PreparationSettings(features=("Income",)))

    assert str(raised.value) == (
        "The table has no column 'Income'. Available columns: CustomerID, Gender, Age, Annual Income (k$), "
        "Spending Score (1-100)."
    )


def test_a_column_chosen_twice_is_refused(mall):
    with pytest.raises(SettingsError, match="Age chosen twice"):
        prepare(mall, PreparationSettings(features=("Age", "Age")))


def test_too_few_customers_left_after_dropping_gaps():
    frame = pd.DataFrame({"A": [1.0, np.nan, 3.0], "B": [np.nan, 2.0, 3.0]})

    with pytest.raises(DataError, match=r"^Only 1 customer has values in every chosen column \(out of 3\)"):
        prepare(frame, PreparationSettings(features=("A", "B")))


def test_a_feature_without_any_value_is_named():
    frame = pd.DataFrame({"A": [1.0, 2.0, 3.0], "Empty": [np.nan] * 3})

    with pytest.raises(DataError, match="'Empty' has no values at all"):
        prepare(frame, PreparationSettings(features=("A", "Empty"), missing=MissingPolicy.FILL))


def test_a_date_column_is_refused_as_a_feature():
    frame = pd.DataFrame({"Joined": pd.to_datetime(["2020-01-01", "2021-01-01"]), "Spend": [1.0, 2.0]})

    with pytest.raises(SettingsError, match="'Joined' holds dates"):
        prepare(frame, PreparationSettings(features=("Joined", "Spend")))


@pytest.mark.parametrize("missing", list(MissingPolicy))
def test_prepare_never_changes_the_callers_table(shop, missing):
    before = shop.copy(deep=True)

    prepare(shop, PreparationSettings(features=("Gender", "Income", "Visits"), missing=missing))

    pd.testing.assert_frame_equal(shop, before)


def test_the_matrix_is_float64_and_c_ordered(mall):
    prepared = prepare(mall, PreparationSettings(features=("Gender", *MALL_NUMBERS)))

    assert prepared.matrix.dtype == np.float64
    assert prepared.matrix.flags["C_CONTIGUOUS"]
    assert prepared.feature_names == prepared.preprocessor.feature_names_out_
    assert prepared.row_positions.dtype.kind == "i"


@pytest.mark.slow
def test_a_million_customers_are_prepared_block_by_block_without_touching_the_table():
    rng = np.random.default_rng(0)
    n_rows = 1_000_000
    frame = pd.DataFrame(
        {
            "Spend": rng.lognormal(5, 1, n_rows),
            "Visits": rng.integers(0, 50, n_rows),
            "Region": pd.Series(rng.choice(["North", "South", "East"], n_rows), dtype="str"),
        }
    )
    frame.loc[::1000, "Spend"] = np.nan
    spend_before = frame["Spend"].to_numpy().copy()
    settings = PreparationSettings(features=("Spend", "Visits", "Region"), log_columns=("Spend",))

    prepared = prepare(frame, settings)

    assert prepared.matrix.shape == (n_rows - 1000, 5)
    assert prepared.steps[0] == "Left out 1,000 of 1,000,000 customers with no value for Spend."
    assert np.isfinite(prepared.matrix).all()
    np.testing.assert_allclose(prepared.matrix[:, :2].mean(axis=0), 0.0, atol=1e-9)
    np.testing.assert_allclose(prepared.matrix[:, :2].std(axis=0), 1.0, rtol=1e-9)
    assert (prepared.matrix[:, 2:].sum(axis=1) == 1.0).all()
    np.testing.assert_array_equal(frame["Spend"].to_numpy(), spend_before)


def test_infinite_values_are_named_not_crashed_on():
    frame = pd.DataFrame({"Spend": [np.inf, -np.inf, 3.0]})

    with pytest.raises(DataError, match="'Spend' contains an infinite value"):
        prepare(frame, PreparationSettings(features=("Spend",), missing=MissingPolicy.FILL))


def test_a_ticked_code_column_is_a_category_not_a_number(datasets_dir):
    from core.loading import load_table
    from core.pipeline import AnalysisSettings, run_analysis

    table = load_table(datasets_dir / "Wholesale customers data.csv")
    settings = AnalysisSettings(features=("Fresh", "Milk", "Grocery", "Region"), k=3, k_min=2, k_max=3)

    result = run_analysis(table, settings)

    assert result.settings.category_columns == ("Region",)
    assert result.prepared.feature_names[-3:] == ("Region = 1", "Region = 2", "Region = 3")
    profile = result.segmentation.profiles[0]
    assert "Region" not in profile.means, "no average region"
    assert sum(profile.category_shares["Region"].values()) == pytest.approx(1.0)
    with pytest.raises(SettingsError, match="codes"):
        run_analysis(table, dataclasses.replace(settings, log_columns=("Region",)))
