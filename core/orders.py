"""From an order history (one row per purchase) to a table with one row per customer.

Shop systems, tills and accounting programs export orders, not customers: a customer number, a date and an
amount per line (or a quantity and a unit price, as in the "Online Retail" layout). `summarise_orders`
turns such a table into the per-customer table the rest of Segment Studio segments, with the columns
`CUSTOMER_COLUMNS` in that order, and the RFM scores and groups of `core.rfm`.

Definitions (the app and the README state them the same way):
- purchases by the same customer on the same day count as one purchase (the convention of the
  customer-base literature: Fader, Hardie and Lee 2005); a day with only refunds is not a purchase;
- purchases on or before the as-of date count (default: the day after the last purchase), and
  `Days since last purchase` and `Days as customer` are counted to that date;
- refunds (negative amounts) are subtracted from the customer's spend; `Average spend` is
  `Total spend / Purchases`.

Rows that cannot be used (no customer number: guest purchases; a date or amount that cannot be read;
dated after the as-of date) are left out and counted per reason. Everything is vectorised: the cost is a
few passes over the order lines, whatever the number of customers.
"""

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from core.columns import ColumnKind, ColumnSummary, name_words, summarize_columns
from core.errors import DataError, SettingsError
from core.loading import LoadedTable, LoadReport
from core.progress import CancelCheck, ProgressCallback, raise_if_cancelled, report
from core.rfm import RFM_GROUP, group_summary, rfm_columns

# The per-customer table's columns, in order; `Items` follows `Average spend` when a quantity column is given,
# and the RFM columns of `core.rfm` come last.
CUSTOMER = "Customer"
FIRST_PURCHASE = "First purchase"
LAST_PURCHASE = "Last purchase"
PURCHASES = "Purchases"
DAYS_SINCE_LAST = "Days since last purchase"
DAYS_AS_CUSTOMER = "Days as customer"
TOTAL_SPEND = "Total spend"
AVERAGE_SPEND = "Average spend"
ITEMS = "Items"
CUSTOMER_COLUMNS = (
    CUSTOMER, FIRST_PURCHASE, LAST_PURCHASE, PURCHASES, DAYS_SINCE_LAST, DAYS_AS_CUSTOMER, TOTAL_SPEND,
    AVERAGE_SPEND,
)
# What segments a per-customer table by default: recency, frequency and money, the three things the
# RFM tradition found to describe buying behaviour (the others follow from them or from time).
SEGMENT_FEATURES = (DAYS_SINCE_LAST, PURCHASES, AVERAGE_SPEND)

# The definitions, as the app shows them beside the table and the report states them.
DEFINITIONS = (
    "Purchases by the same customer on the same day count as one purchase (the convention of the "
    "customer-base literature: Fader, Hardie and Lee); a day with only refunds is not a purchase. Days "
    "since last purchase and Days as customer are counted to the as-of date; purchases after it are left "
    "out. Refunds (negative amounts) are subtracted from Total spend. Average spend is Total spend / "
    "Purchases. R, F and M scores are 1-5 by fifths of the customers (5: most recent, most purchases, "
    "highest total spend); equal values get equal scores."
)

DAY_FIRST = "day-first"
MONTH_FIRST = "month-first"
DATE_ORDERS = (DAY_FIRST, MONTH_FIRST)

# Reasons rows are left out, as the load report and the command line's summary name them.
GUEST = "no customer number (guest purchase)"
BAD_DATE = "date could not be read"
BAD_AMOUNT = "amount could not be read"
AFTER_AS_OF = "dated after the as-of date"
ONLY_REFUNDS = "refunds of customers with no purchase"

# A column is a customer number for orders when its values repeat: on average a customer appears at
# least this many times (a customer table has each customer once).
MIN_ROWS_PER_CUSTOMER = 1.2
# Share of a column's values that must read as dates (or amounts) for it to count as one.
MIN_READABLE_SHARE = 0.5
_RECOGNITION_ROWS = 2000
# Excel stores a date as days since 1899-12-30; these bounds are 1927 to 2173, where business dates live.
_EXCEL_SERIAL_RANGE = (10_000, 100_000)
_EXCEL_EPOCH = pd.Timestamp("1899-12-30")
_YYYYMMDD_RANGE = (19000101, 21001231)

_COMPACT_DATE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_SEPARATED_DATE = re.compile(
    r"^(\d{1,4})([-/.])(\d{1,2})\2(\d{1,4})"
    r"(?:[ T]+(\d{1,2}):(\d{2})(?::(\d{2}))?(?:\.\d+)?\s*([AaPp][Mm])?)?\s*(?:Z|[+-]\d{2}:?\d{2})?$"
)
_CURRENCY = re.compile(r"[$€£¥₹]|\b[A-Z]{3}\b")
_NUMBER_PART = re.compile(r"[^\d,.]")
_SIGNED_NUMBER_PART = re.compile(r"[^\d,.()+-]")

_CUSTOMER_KINDS = (ColumnKind.IDENTIFIER, ColumnKind.NUMERIC, ColumnKind.TEXT, ColumnKind.CATEGORICAL)
_WORD_KINDS = (ColumnKind.TEXT, ColumnKind.CATEGORICAL)
_CUSTOMER_WORDS = frozenset({"customer", "cust", "client", "member", "account", "buyer", "user", "shopper"})
_ORDER_WORDS = frozenset({"order", "invoice", "receipt", "transaction", "ticket", "bill"})
_AMOUNT_WORDS = frozenset({
    "amount", "total", "value", "spend", "spent", "revenue", "sales", "sale", "dollar", "dollars", "paid",
    "payment", "sum", "turnover", "price", "eur", "usd", "gbp",
})
_QUANTITY_WORDS = frozenset({"quantity", "qty", "units", "items", "count", "cds", "pieces"})
_PRICE_WORDS = frozenset({"price", "unitprice"})


@dataclass(frozen=True)
class OrderColumns:
    """Which columns of the order table hold what. Either `amount`, or `quantity` and `price` (the amount
    is then quantity x price); `quantity` alongside `amount` adds the `Items` column."""

    customer: str
    date: str
    amount: str | None = None
    quantity: str | None = None
    price: str | None = None
    # None: decided from the values; DAY_FIRST or MONTH_FIRST for dates like 03/01/2024; or a
    # strptime format such as "%d.%m.%Y".
    date_format: str | None = None


@dataclass(frozen=True)
class OrderRequest:
    """How a per-customer table is built from an order file: enough to build it again (projects)."""

    columns: OrderColumns
    as_of: str | None = None  # "YYYY-MM-DD"; None: the day after the last purchase


@dataclass(frozen=True)
class OrderSummary:
    customers: pd.DataFrame  # one row per customer, CUSTOMER_COLUMNS (+ Items) + the RFM columns
    columns: OrderColumns  # the order file's columns it was built from
    as_of: pd.Timestamp
    first_purchase: pd.Timestamp
    last_purchase: pd.Timestamp
    orders_read: int
    orders_used: int
    left_out: dict[str, int]  # reason -> rows, only reasons with rows
    refunds: int  # refund lines among the rows used
    # Customers kept although their refunds equal or exceed their purchases (net spend <= 0).
    customers_without_net_spend: tuple[str, ...] = ()
    dates_read_as: str = ""  # how the dates were written, in plain words
    currency: str = ""  # the currency mark the amounts carried ("$", "€"), if any
    # Every purchase counted, one per (customer, day), as a number per customer and the day: what the
    # holdout check of core.clv needs, kept from the summary's own counting so the two never disagree.
    purchase_customers: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64), repr=False,
                                           compare=False)
    purchase_days: np.ndarray = field(default_factory=lambda: np.empty(0, "datetime64[D]"), repr=False,
                                      compare=False)

    @property
    def repeat_customers(self) -> int:
        return int((self.customers[PURCHASES] > 1).sum())

    def source_text(self) -> str:
        """Where the table came from, in one line: "Built from 69,659 purchases, 1997-01-01 to ..."."""
        return (f"Built from {self.orders_used:,} purchases, {self.first_purchase:%Y-%m-%d} to "
                f"{self.last_purchase:%Y-%m-%d}, as of {self.as_of:%Y-%m-%d}")

    def request(self) -> OrderRequest:
        """What builds this table again from the same file, with the same as-of date."""
        return OrderRequest(self.columns, f"{self.as_of:%Y-%m-%d}")

    def customers_text(self) -> str:
        return (f"{len(self.customers):,} customers, {self.repeat_customers:,} of them bought more than "
                "once")

    def notes(self) -> tuple[str, ...]:
        """What the user must know about how the orders were read (beyond `source_text`), one plain
        sentence each."""
        notes = []
        if self.dates_read_as:
            notes.append(f"Dates were read as {self.dates_read_as}.")
        if self.currency:
            notes.append(f"Amounts were read in {self.currency}, the currency the file writes them in.")
        for reason, rows in self.left_out.items():
            notes.append(f"{rows:,} order line{'s' if rows != 1 else ''} left out: {reason}.")
        if self.refunds:
            notes.append(f"{self.refunds:,} refund line{'s' if self.refunds != 1 else ''} (negative amounts) "
                         "were subtracted from the customers' spend.")
        if self.customers_without_net_spend:
            shown = ", ".join(self.customers_without_net_spend[:5])
            more = len(self.customers_without_net_spend) - 5
            notes.append(f"{len(self.customers_without_net_spend):,} customers have a total spend of zero or "
                         f"less ({shown}{f' and {more:,} more' if more > 0 else ''}); they are kept.")
        return tuple(notes)

    def to_dict(self) -> dict:
        """The JSON-ready facts the command line's --summary writes."""
        return {
            "orders_read": self.orders_read,
            "orders_used": self.orders_used,
            "customers": len(self.customers),
            "repeat_customers": self.repeat_customers,
            "as_of": f"{self.as_of:%Y-%m-%d}",
            "first_purchase": f"{self.first_purchase:%Y-%m-%d}",
            "last_purchase": f"{self.last_purchase:%Y-%m-%d}",
            "left_out": dict(self.left_out),
        }


# --- Reading dates --------------------------------------------------------------------------------------


class AmbiguousDatesError(DataError):
    """Every date could be day-first or month-first: the user has to say which (`column` names where)."""

    def __init__(self, message: str, column: str = "") -> None:
        super().__init__(message)
        self.column = column


def _ambiguous_dates(column: str, example: str) -> AmbiguousDatesError:
    return AmbiguousDatesError(
        f"Every date in column '{column}' could be read day-first or month-first (like '{example}'). "
        f"Say which (on the command line: --date-format {DAY_FIRST} or --date-format {MONTH_FIRST}).",
        column,
    )


def _distinct(series: pd.Series) -> tuple[np.ndarray, pd.Index]:
    """(code per row, -1 for missing; the distinct values): parsing each distinct date or amount once is
    what keeps two million order lines cheap, as they share a few hundred days."""
    if isinstance(series.dtype, pd.CategoricalDtype):
        return series.cat.codes.to_numpy(), series.cat.categories
    codes, uniques = pd.factorize(series)
    return codes, pd.Index(uniques)


def _spread(values: pd.Series | np.ndarray, codes: np.ndarray, missing: object) -> np.ndarray:
    """The parsed distinct values put back on every row (`missing` where the row had none)."""
    values = np.asarray(values)
    return np.where(codes >= 0, values[np.maximum(codes, 0)] if len(values) else missing, missing)


def _number_dates(values: pd.Index, column: str) -> tuple[pd.Series, str]:
    numbers = pd.to_numeric(pd.Series(values), errors="coerce")
    present = numbers.dropna()
    low, high = _YYYYMMDD_RANGE
    if len(present) and present.between(low, high).mean() >= MIN_READABLE_SHARE:
        whole = numbers.where(numbers == np.floor(numbers))
        text = whole.astype("Int64").astype("str")
        return pd.to_datetime(text, format="%Y%m%d", errors="coerce"), "numbers written year-month-day"
    low, high = _EXCEL_SERIAL_RANGE
    if len(present) and present.between(low, high).mean() >= MIN_READABLE_SHARE:
        days = numbers.where(numbers.between(low, high))
        return _EXCEL_EPOCH + pd.to_timedelta(np.floor(days), unit="D"), "Excel date numbers"
    raise DataError(f"Column '{column}' holds numbers such as {_example(present)}, not dates. Choose the "
                    "column with the date of each purchase.")


def _example(values: pd.Series | pd.Index) -> str:
    value = values.iloc[0] if isinstance(values, pd.Series) else values[0]
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return f"'{value}'"


def _separated_day_first(parts: pd.DataFrame, column: str, date_format: str | None) -> bool:
    """Whether dates like 03/01/2024 are day-first: from the user's choice, else from a value whose first
    (day-first) or second (month-first) part exceeds 12."""
    if date_format in DATE_ORDERS:
        return date_format == DAY_FIRST
    first, second = parts[0].astype(int), parts[2].astype(int)
    day_first_seen, month_first_seen = bool((first > 12).any()), bool((second > 12).any())
    if day_first_seen and month_first_seen:
        example_day = parts.loc[first > 12, "text"].iloc[0]
        example_month = parts.loc[second > 12, "text"].iloc[0]
        raise DataError(f"Column '{column}' has dates written day-first ('{example_day}') and month-first "
                        f"('{example_month}'). Correct the file so that all dates are written one way.")
    if not (day_first_seen or month_first_seen):
        raise _ambiguous_dates(column, parts["text"].iloc[0])
    return day_first_seen


def _text_dates(values: pd.Index, column: str, date_format: str | None) -> tuple[pd.Series, str]:
    text = pd.Series(values, dtype="str").str.strip()
    if date_format is not None and date_format not in DATE_ORDERS:
        parsed = pd.to_datetime(text, format=date_format, errors="coerce")
        return parsed, f"'{date_format}'"
    compact = text.str.extract(_COMPACT_DATE)
    separated = text.str.extract(_SEPARATED_DATE)
    if compact[0].notna().sum() > separated[0].notna().sum():
        joined = compact[0] + compact[1] + compact[2]
        return pd.to_datetime(joined, format="%Y%m%d", errors="coerce"), "year-month-day, like '20240301'"
    parts = separated[separated[0].notna()].assign(text=text[separated[0].notna()])
    if parts.empty:
        raise DataError(f"Column '{column}' does not hold dates (it has values such as '{text.iloc[0]}'). "
                        "Choose the column with the date of each purchase.")
    year_first = parts[0].str.len() == 4
    if year_first.mean() >= MIN_READABLE_SHARE:
        year, month, day = separated[0], separated[2], separated[3]
        how = "year-month-day"
    else:
        day_first = _separated_day_first(parts[~year_first], column, date_format)
        year = separated[3]
        month, day = (separated[2], separated[0]) if day_first else (separated[0], separated[2])
        how = "day-month-year" if day_first else "month-day-year"
    year = pd.to_numeric(year, errors="coerce")
    # Two-digit years as strptime's %y reads them: 69-99 are 1900s, 00-68 2000s.
    year = year.where(year >= 100, year + np.where(year < 69, 2000, 1900))
    fields = pd.DataFrame({
        "year": year, "month": pd.to_numeric(month, errors="coerce"),
        "day": pd.to_numeric(day, errors="coerce"),
    })
    # Rows that do not have this shape are unreadable, not a reason to stop reading the others.
    shaped = fields.notna().all(axis=1) & (year_first == (how == "year-month-day")).reindex(
        fields.index, fill_value=False)
    parsed = pd.Series(pd.NaT, index=fields.index, dtype="datetime64[ns]")
    if shaped.any():
        parsed[shaped] = pd.to_datetime(fields[shaped].astype("int64"), errors="coerce")
    return parsed, f"{how}, like '{parts['text'].iloc[0]}'"


def parse_dates(series: pd.Series, date_format: str | None = None) -> tuple[pd.Series, str]:
    """The purchase day of each row (midnight; NaT where the value is not a date) and how the dates were
    written, in plain words. Understands datetimes (Excel cells), yyyymmdd numbers or text, Excel date
    numbers, ISO dates, and dd/mm/yyyy or mm/dd/yyyy decided from the values, with or without times.

    Raises AmbiguousDatesError when every date could be day-first or month-first and `date_format` does
    not say, and DataError when the column does not hold dates."""
    column = str(series.name)
    if pd.api.types.is_datetime64_any_dtype(series):
        days = series.dt.tz_localize(None) if series.dt.tz is not None else series
        return days.dt.normalize().astype("datetime64[ns]"), ""
    codes, values = _distinct(series)
    if len(values) == 0:
        raise DataError(f"Column '{column}' is empty. Choose the column with the date of each purchase.")
    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        parsed, how = _number_dates(values, column)
    elif all(isinstance(value, pd.Timestamp) for value in values[:50]):  # Excel cells mixed with text
        parsed = pd.to_datetime(pd.Series(values).where(pd.Series(values).map(type) == pd.Timestamp),
                                errors="coerce")
        how = ""
    else:
        parsed, how = _text_dates(values, column, date_format)
    parsed = pd.Series(parsed).dt.normalize()
    if parsed.notna().mean() < MIN_READABLE_SHARE:
        unreadable = pd.Series(values)[parsed.isna().to_numpy()]
        raise DataError(f"Column '{column}' does not hold dates that can be read (such as "
                        f"{_example(unreadable)}). Choose the column with the date of each purchase, or give "
                        "its format (on the command line: --date-format).")
    days = _spread(parsed.to_numpy(dtype="datetime64[ns]"), codes, np.datetime64("NaT", "ns"))
    return pd.Series(days, index=series.index, name=series.name), how


# --- Reading amounts ------------------------------------------------------------------------------------


def _decimal_mark(digits: pd.Series) -> str:
    """"," or "." from how the column's numbers are written: the last mark of "1.234,50" is the decimal
    one, and a lone mark followed by other than three digits ("12,5") is too; otherwise the point."""
    both = digits[digits.str.contains(",", regex=False) & digits.str.contains(".", regex=False)]
    comma_votes = int((both.str.rfind(",") > both.str.rfind(".")).sum())
    point_votes = len(both) - comma_votes
    comma_votes += int(digits.str.fullmatch(r"\d*,(\d{1,2}|\d{4,})").sum())
    point_votes += int(digits.str.fullmatch(r"\d*\.(\d{1,2}|\d{4,})").sum())
    return "," if comma_votes > point_votes else "."


def parse_amounts(series: pd.Series) -> tuple[pd.Series, str]:
    """Money per row (NaN where unreadable) and the currency mark the values carried ("" if none).

    Understands "$1,234.50", "1.234,50 €", "12,5", "-3.20", "(3.20)" and "3.20-" (both negative, as
    accounting programs write refunds)."""
    if pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series):
        return series.astype("float64"), ""
    codes, values = _distinct(series)
    text = pd.Series(values, dtype="str").str.strip()
    currencies = text.str.extract(f"({_CURRENCY.pattern})")[0].dropna()
    currency = str(currencies.mode().iloc[0]) if len(currencies) else ""
    bare = text.str.replace(_SIGNED_NUMBER_PART, "", regex=True)  # "(3,20) €" -> "(3,20)"
    negative = bare.str.startswith("-") | bare.str.endswith("-") | (
        bare.str.startswith("(") & bare.str.endswith(")"))
    digits = bare.str.replace(_NUMBER_PART, "", regex=True)
    decimal = _decimal_mark(digits)
    thousands = "." if decimal == "," else ","
    digits = digits.str.replace(thousands, "", regex=False).str.replace(decimal, ".", regex=False)
    numbers = pd.to_numeric(digits.where(digits.str.contains(r"\d")), errors="coerce")
    numbers = numbers.where(~negative, -numbers)
    amounts = _spread(numbers.to_numpy(dtype="float64"), codes, np.nan).astype("float64")
    return pd.Series(amounts, index=series.index, name=series.name), currency


# --- Customers ------------------------------------------------------------------------------------------


def _customer_numbers(series: pd.Series) -> pd.Series:
    """Customer numbers as they should be shown: whole numbers read as decimals (12346.0, as in files where
    guests leave the column empty) become integers; text is stripped; blanks are missing (guests)."""
    if pd.api.types.is_float_dtype(series):
        whole = series.dropna()
        if (whole == np.floor(whole)).all():
            return series.astype("Int64")
        return series
    if pd.api.types.is_numeric_dtype(series):
        return series
    codes, values = _distinct(series)
    stripped = pd.Series(values, dtype="str").str.strip()
    stripped = stripped.where(stripped != "").to_numpy(dtype=object)
    return pd.Series(_spread(stripped, codes, None), index=series.index, name=series.name)


def _check_columns(orders: pd.DataFrame, columns: OrderColumns) -> None:
    if columns.amount is None and (columns.quantity is None or columns.price is None):
        raise SettingsError("Choose the column with the amount of each purchase, or the columns with the "
                            "quantity and the unit price (the amount is then quantity x price).")
    if columns.amount is not None and columns.price is not None:
        raise SettingsError("Choose either an amount column or a unit price column, not both: with a price, "
                            "the amount is quantity x price.")
    chosen = [name for name in (columns.customer, columns.date, columns.amount, columns.quantity,
                                columns.price) if name is not None]
    for name in chosen:
        if name not in orders.columns:
            available = ", ".join(f"'{column}'" for column in orders.columns[:20])
            raise SettingsError(f"The file has no column '{name}'. Its columns are {available}.")
    if len(set(chosen)) != len(chosen):
        raise SettingsError("Each role needs its own column: the same column was chosen twice.")


def _as_of_date(as_of: object, latest: pd.Timestamp) -> pd.Timestamp:
    if as_of is None:
        return latest + pd.Timedelta(days=1)
    try:
        day = pd.Timestamp(as_of)
    except (ValueError, TypeError) as error:
        raise SettingsError(f"The as-of date '{as_of}' is not a date; write it like 2024-03-01.") from error
    if pd.isna(day):
        raise SettingsError(f"The as-of date '{as_of}' is not a date; write it like 2024-03-01.")
    return day.normalize()


def summarise_orders(
    orders: pd.DataFrame,
    columns: OrderColumns,
    as_of: object = None,
    *,
    progress: ProgressCallback | None = None,
    cancel: CancelCheck | None = None,
) -> OrderSummary:
    """One row per customer from the order lines in `orders`, counting purchases on or before `as_of`
    (a date or "YYYY-MM-DD"; default: the day after the last purchase). Raises SettingsError for a bad
    choice of columns or as-of date, DataError when the columns do not hold what they should."""
    _check_columns(orders, columns)
    report(progress, 0.0, "Reading the customer numbers")
    customers = _customer_numbers(orders[columns.customer])
    raise_if_cancelled(cancel)
    report(progress, 0.15, "Reading the dates")
    days, dates_read_as = parse_dates(orders[columns.date], columns.date_format)
    raise_if_cancelled(cancel)
    report(progress, 0.35, "Reading the amounts")
    quantity = None
    if columns.quantity is not None:
        quantity = parse_amounts(orders[columns.quantity])[0]
    if columns.amount is not None:
        amounts, currency = parse_amounts(orders[columns.amount])
    else:
        prices, currency = parse_amounts(orders[columns.price])
        amounts = quantity * prices
    raise_if_cancelled(cancel)
    report(progress, 0.5, "Adding up each customer's purchases")

    is_guest = customers.isna().to_numpy()
    bad_date = ~is_guest & days.isna().to_numpy()
    bad_amount = ~is_guest & ~bad_date & ~np.isfinite(amounts.to_numpy(dtype="float64"))
    readable = ~(is_guest | bad_date | bad_amount)
    if not readable.any():
        raise DataError(_nothing_readable_message(columns, is_guest, bad_date))
    as_of_day = _as_of_date(as_of, days[readable].max())
    after = readable & (days > as_of_day).to_numpy()
    used = readable & ~after
    if not used.any():
        raise DataError(f"No purchase is dated on or before the as-of date {as_of_day:%Y-%m-%d} (the first "
                        f"is on {days[readable].min():%Y-%m-%d}). Choose a later as-of date.")

    identities_used = customers[used]
    if isinstance(identities_used.dtype, pd.Int64Dtype):  # no guests left: plain integers
        identities_used = identities_used.astype("int64")
    codes, identities = pd.factorize(identities_used, sort=True)
    day_numbers = days[used].to_numpy(dtype="datetime64[D]").astype("int64")
    money = amounts[used].to_numpy(dtype="float64")
    count = len(identities)
    bought = money >= 0  # refunds are negative; a $0 line (a free item) is still a purchase
    total = np.bincount(codes, weights=money, minlength=count)
    # Purchases: distinct (customer, day) pairs among the lines that are not refunds. Sorted, not
    # np.unique: its hashing took 2.5 s of two million lines and held the window still meanwhile.
    span = int(day_numbers.max() - day_numbers.min()) + 1
    pairs = np.sort(codes[bought].astype("int64") * span + (day_numbers[bought] - day_numbers.min()))
    pairs = pairs[np.r_[True, pairs[1:] != pairs[:-1]]]
    purchases = np.bincount(pairs // span, minlength=count)
    raise_if_cancelled(cancel)
    report(progress, 0.7, "Adding up each customer's purchases")
    first = np.full(count, np.iinfo(np.int64).max)
    last = np.full(count, np.iinfo(np.int64).min)
    # pairs are sorted by customer, then day: the first and last pair of each customer are the days.
    pair_customers, pair_days = pairs // span, pairs % span + day_numbers.min()
    starts = np.flatnonzero(np.r_[True, pair_customers[1:] != pair_customers[:-1]])
    ends = np.r_[starts[1:], len(pairs)] - 1
    first[pair_customers[starts]] = pair_days[starts]
    last[pair_customers[ends]] = pair_days[ends]

    has_purchase = purchases > 0
    only_refund_rows = np.zeros(len(orders), dtype=bool)
    only_refund_rows[used] = ~has_purchase[codes]
    table = pd.DataFrame({
        CUSTOMER: np.asarray(identities)[has_purchase],
        FIRST_PURCHASE: first[has_purchase].astype("datetime64[D]").astype("datetime64[ns]"),
        LAST_PURCHASE: last[has_purchase].astype("datetime64[D]").astype("datetime64[ns]"),
        PURCHASES: purchases[has_purchase],
    })
    as_of_number = as_of_day.to_datetime64().astype("datetime64[D]").astype("int64")
    table[DAYS_SINCE_LAST] = as_of_number - last[has_purchase]
    table[DAYS_AS_CUSTOMER] = as_of_number - first[has_purchase]
    table[TOTAL_SPEND] = total[has_purchase].round(2)  # to the cent: sums of decimals carry float noise
    table[AVERAGE_SPEND] = (table[TOTAL_SPEND] / table[PURCHASES]).round(2)
    if quantity is not None:
        table[ITEMS] = np.bincount(codes, weights=quantity[used].to_numpy(dtype="float64"),
                                   minlength=count)[has_purchase]
        if (table[ITEMS] == np.floor(table[ITEMS])).all():
            table[ITEMS] = table[ITEMS].astype("int64")
    raise_if_cancelled(cancel)
    report(progress, 0.9, "Scoring recency, frequency and money")
    table = table.assign(**rfm_columns(table[DAYS_SINCE_LAST], table[PURCHASES], table[TOTAL_SPEND]))
    kept = used & ~only_refund_rows
    left_out = {
        reason: int(rows.sum())
        for reason, rows in ((GUEST, is_guest), (BAD_DATE, bad_date), (BAD_AMOUNT, bad_amount),
                             (AFTER_AS_OF, after), (ONLY_REFUNDS, only_refund_rows))
        if rows.any()
    }
    nothing_spent = table.loc[table[TOTAL_SPEND] <= 0, CUSTOMER].astype("str")
    report(progress, 1.0, f"Summarised {int(kept.sum()):,} order lines into {len(table):,} customers")
    return OrderSummary(
        customers=table,
        columns=columns,
        as_of=as_of_day,
        first_purchase=table[FIRST_PURCHASE].min(),
        last_purchase=table[LAST_PURCHASE].max(),
        orders_read=len(orders),
        orders_used=int(kept.sum()),
        left_out=left_out,
        refunds=int((kept & (amounts.to_numpy(dtype="float64") < 0)).sum()),
        customers_without_net_spend=tuple(nothing_spent),
        dates_read_as=dates_read_as,
        currency=currency,
        purchase_customers=pair_customers,
        purchase_days=pair_days.astype("datetime64[D]"),
    )


def _nothing_readable_message(columns: OrderColumns, is_guest: np.ndarray, bad_date: np.ndarray) -> str:
    if is_guest.all():
        return (f"Column '{columns.customer}' has no customer numbers. Choose the column that says who "
                "bought.")
    if bad_date[~is_guest].all():
        return f"No date in column '{columns.date}' could be read. Choose the column with the purchase dates."
    money = columns.amount or columns.price
    return f"No amount in column '{money}' could be read. Choose the column with the money of each purchase."


# --- Recognising an order history -----------------------------------------------------------------------


@dataclass(frozen=True)
class OrderHistoryGuess:
    """What the import preview offers: the columns pre-chosen, and the sentence that says why."""

    columns: OrderColumns
    orders: int
    customers: int

    def sentence(self, whole_file: bool = True) -> str:
        """`whole_file` False: the counts are of a preview's first rows, and say so."""
        counts = f"{self.orders:,} purchases by {self.customers:,} customers"
        if whole_file:
            return f"This looks like a list of purchases: {counts}."
        return f"This looks like a list of purchases (the first rows hold {counts})."


def _named(column: str, words: frozenset[str]) -> bool:
    return any(word in words for word in name_words(column))


def _looks_like_dates(series: pd.Series) -> bool:
    sample = series.dropna().head(_RECOGNITION_ROWS)
    if sample.empty:
        return False
    if pd.api.types.is_numeric_dtype(sample) and not _named(str(series.name), frozenset({"date", "day"})):
        low, high = _YYYYMMDD_RANGE  # bare numbers are dates only as yyyymmdd (Excel numbers need a name)
        if not (sample.between(low, high).all() and (sample == np.floor(sample)).all()):
            return False
    try:
        parsed, _ = parse_dates(sample)
    except AmbiguousDatesError:
        return True
    except DataError:
        return False
    return bool(parsed.notna().mean() >= MIN_READABLE_SHARE)


def _looks_like_money(series: pd.Series) -> bool:
    sample = series.dropna().head(_RECOGNITION_ROWS)
    if sample.empty or pd.api.types.is_bool_dtype(sample):
        return False
    return bool(parse_amounts(sample)[0].notna().mean() >= 0.9)


def recognise_order_history(table: LoadedTable) -> OrderHistoryGuess | None:
    """The columns of an order history if the table looks like one: a customer number that repeats, a
    date column and a money column (or a quantity and a unit price). None for a customer table."""
    frame = table.frame
    summaries = {summary.name: summary for summary in table.report.columns}
    rows = len(frame)
    if rows < 2:
        return None
    customer = _customer_column(summaries, rows)
    if customer is None:
        return None
    others = [name for name in frame.columns if name != customer]
    date = next((name for name in others if summaries[name].kind is ColumnKind.DATE), None) or next(
        (name for name in others if _looks_like_dates(frame[name])), None)
    if date is None:
        return None
    # Numbers, or text named like money ("$1,234.50" is read as text).
    rest = [
        name for name in others if name != date and (
            summaries[name].kind is ColumnKind.NUMERIC
            or (summaries[name].kind in _WORD_KINDS and _named(name, _AMOUNT_WORDS))
        )
    ]
    money = [name for name in rest if _looks_like_money(frame[name])]
    quantity = next((name for name in money if _named(name, _QUANTITY_WORDS)), None)
    price = next((name for name in money if _named(name, _PRICE_WORDS)), None)
    amount = next((name for name in money if _named(name, _AMOUNT_WORDS) and name != price), None)
    if amount is None and price is None:
        # No name says it: the last column of numbers with decimals (CDNOW without its header: cents).
        amount = next((name for name in reversed(money) if name != quantity and _has_decimals(frame[name])),
                      None)
    if amount is None and (price is None or quantity is None):
        return None
    columns = OrderColumns(customer=customer, date=date, amount=amount, quantity=quantity,
                           price=None if amount is not None else price)
    return OrderHistoryGuess(columns, rows - summaries[customer].missing, summaries[customer].distinct)


def _customer_column(summaries: dict[str, ColumnSummary], rows: int) -> str | None:
    """The column naming who bought: values that repeat, a customer-like name first."""
    # A column of order numbers beside it says "orders" even when a preview's first rows are each by
    # another customer (a big shop's export in date order).
    has_order_numbers = any(_named(name, _ORDER_WORDS) for name in summaries)
    candidates = [
        summary for summary in summaries.values()
        if summary.kind in _CUSTOMER_KINDS
        and summary.distinct >= 2
        and (rows - summary.missing >= MIN_ROWS_PER_CUSTOMER * summary.distinct
             or (has_order_numbers and _named(summary.name, _CUSTOMER_WORDS)))
        and not _named(summary.name, _ORDER_WORDS)
    ]
    named = [summary for summary in candidates if _named(summary.name, _CUSTOMER_WORDS)]
    if named:
        return named[0].name
    # Without a telling name: codes with many values (not a category like Country, not a number such as a
    # year of birth), such as CDNOW's first column when the file has no header.
    codes = [summary for summary in candidates if summary.kind in (ColumnKind.IDENTIFIER, ColumnKind.TEXT)]
    return codes[0].name if codes else None


def _has_decimals(series: pd.Series) -> bool:
    numbers = parse_amounts(series.dropna().head(_RECOGNITION_ROWS))[0].dropna()
    return bool(len(numbers)) and bool((numbers != np.floor(numbers)).any())


# --- The per-customer table as a loaded table -----------------------------------------------------------


def customer_table(summary: OrderSummary, source: LoadReport) -> LoadedTable:
    """The per-customer table as the rest of Segment Studio takes a loaded file: the same path (so reports
    and exports name the order file), its columns described, and the summary's notes as its problems."""
    frame = summary.customers
    load_report = LoadReport(
        path=source.path,
        file_format=source.file_format,
        options=source.options,
        rows=len(frame),
        columns=summarize_columns(frame),
        problems=(*source.problems, *summary.notes()),
        sheet_names=source.sheet_names,
        built_from=f"{summary.source_text()}: {summary.customers_text()}.",
    )
    return LoadedTable(frame=frame, report=load_report)


def is_customer_summary(columns: Sequence[str]) -> bool:
    """Whether a table's columns are those of a per-customer table built from orders."""
    return set(CUSTOMER_COLUMNS) <= set(columns)


def summarise_order_file(
    table: LoadedTable,
    columns: OrderColumns,
    as_of: object = None,
    *,
    progress: ProgressCallback | None = None,
    cancel: CancelCheck | None = None,
) -> tuple[OrderSummary, LoadedTable]:
    """`summarise_orders` of a loaded order file, and the result as a loaded per-customer table."""
    summary = summarise_orders(table.frame, columns, as_of, progress=progress, cancel=cancel)
    return summary, customer_table(summary, table.report)


def rfm_group_table(customers: pd.DataFrame) -> pd.DataFrame | None:
    """`core.rfm.group_summary` of a per-customer table built from orders; None for any other table."""
    if not is_customer_summary(customers.columns) or RFM_GROUP not in customers.columns:
        return None
    return group_summary(
        customers[RFM_GROUP], customers[PURCHASES], customers[DAYS_SINCE_LAST], customers[TOTAL_SPEND]
    )
