"""The probabilistic pass of record linkage: each partner row that no identifier matched, scored against the
register's members by Splink (Fellegi-Sunter, DuckDB embedded here) on first name, surname, date of birth, postcode
and sex, then decided: matched automatically, sent to review, or left unmatched.

No matching algorithm is written here: this module says what Splink compares, how each comparison is read, and
which thresholds decide. The model's u (how often two different people agree by chance) is learnt from the
council's own register, by Splink's random sampling of pairs of its members (people who are, bar a few duplicates,
different), so that a file of three rows is judged by the same model as one of thirty thousand; levels the sample
never saw take the priors in ``U_PRIORS``. Its m (how often the same person's records agree) are the priors in
``M_PROBABILITIES``.

What the comparisons allow for, as councils' data needs:

- first name: exact; the same by a common short form (``nicknames.py``: Bill and William); close in spelling
  (Jaro-Winkler 0.92, then 0.8);
- surname: exact (case, spaces, hyphens and apostrophes aside); close in spelling; sharing one part of a hyphenated
  or double surname (Smith and Smith-Jones);
- date of birth: exact; day and month transposed; one character out;
- postcode: Splink's postcode comparison (the same postcode, sector, district, area);
- sex: the same.

Twins (the same surname, date of birth and address, different first names) score low on the first name, so the
other twin is never the best match by chance; a row whose best candidate is not far enough ahead of the next
(``Thresholds.gap``), or whose first name is wholly unlike the candidate's (a twin or triplet not in the register,
or a name the person is known by), goes to review whatever its score.

Pure of the database: DataFrames in, a DataFrame out. ``Thresholds`` are the settings' defaults.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

import pandas as pd

from tfclaims.imports.nicknames import NICKNAMES

AUTO, REVIEW, UNMATCHED = "auto", "review", "unmatched"
REGISTER, PARTNER = "register", "partner"
PERSON_COLUMNS = ("forename", "surname", "date_of_birth", "sex", "postcode")
FIELDS = ("forename", "surname", "dob", "postcode", "sex")  # Splink's comparisons, by their output names
CANDIDATES = 3  # the candidates kept per row, for the review's side-by-side view


@dataclass(frozen=True)
class Thresholds:
    """Match probabilities: at or above ``auto``, and ``gap`` bits of match weight (2 to that power times as
    likely) ahead of the next candidate, a row is matched automatically; at or above ``review``, it waits for a
    coordinator; below, it is unmatched."""

    auto: float = 0.99
    review: float = 0.5
    gap: float = 4.0  # bits of match weight the best candidate needs over the next to be matched automatically


def _letters(values: pd.Series) -> pd.Series:
    return values.fillna("").astype(str).str.casefold().str.replace(r"[^a-z]", "", regex=True)


def _by_value(values: pd.Series, work) -> pd.Series:
    """``work`` applied to each distinct value once (names repeat: a register of 400,000 people has a few thousand
    first names), then spread over the rows."""
    text = values.fillna("").astype(str)
    done = {value: work(value) for value in text.unique().tolist()}
    return pd.Series([done[value] for value in text.tolist()], index=values.index, dtype=object)


def _first_name(value: str) -> str | None:
    words = value.split()
    letters = re.sub(r"[^a-z]", "", words[0].casefold()) if words else ""
    return letters or None


def _surname(value: str) -> tuple[str | None, list[str] | None]:
    text = value.casefold()
    letters = re.sub(r"[^a-z]", "", text)
    parts = [p for p in re.split(r"[^a-z]+", text.replace("'", "")) if p]
    return letters or None, parts or None


def prepared(people: pd.DataFrame, id_column: str) -> pd.DataFrame:
    """People as Splink compares them: ``unique_id`` and the standardised columns (empty values as missing)."""
    forename = _by_value(people["forename"], _first_name)
    surname = _by_value(people["surname"], _surname)
    out = pd.DataFrame({"unique_id": people[id_column].astype("int64").to_numpy()})
    out["forename"] = forename.to_numpy()
    out["forename_canonical"] = forename.map(lambda n: NICKNAMES.get(n, n) if n else None).to_numpy()
    out["surname"] = surname.map(lambda v: v[0]).to_numpy()
    out["surname_parts"] = surname.map(lambda v: v[1]).to_numpy()
    born = pd.to_datetime(people["date_of_birth"], errors="coerce")
    out["dob"] = born.dt.strftime("%Y-%m-%d").where(born.notna()).to_numpy()
    # The date of birth with its day and month in order of size: the same for a date and its transposition.
    low = born.dt.day.where(born.dt.day < born.dt.month, born.dt.month)
    high = born.dt.day.where(born.dt.day >= born.dt.month, born.dt.month)
    unordered = (born.dt.year.astype("Int64").astype(str) + "-" + low.astype("Int64").astype(str) + "-"
                 + high.astype("Int64").astype(str))
    out["dob_unordered"] = unordered.where(born.notna()).to_numpy()
    sex = people["sex"].fillna("").astype(str).str.upper()
    out["sex"] = sex.where(sex.isin(["M", "F"])).to_numpy()
    postcode = people["postcode"].fillna("").astype(str).str.upper().str.strip()
    out["postcode"] = postcode.where(postcode != "").to_numpy()
    return out


# How often the same person's two records agree at each level (m), from the first level to the last (ELSE), for
# the comparisons below: priors for councils' data, not learnt from each file, so that a file of three rows is
# judged as well as one of thirty thousand. How often two different people agree by chance (u) is learnt from the
# register by random sampling (``_u_from_register``). (Learning m by expectation maximisation on small files gave
# twins a 99.99% match.)
M_PROBABILITIES = {
    "forename": [0.82, 0.06, 0.06, 0.05, 0.01],  # exact, short form, Jaro-Winkler 0.92, 0.8, else
    "surname": [0.84, 0.06, 0.04, 0.03, 0.03],  # exact, Jaro-Winkler 0.92, a shared part, 0.8, else
    "dob": [0.93, 0.03, 0.03, 0.01],  # exact, day and month transposed, one character out, else
    "postcode": [0.78, 0.04, 0.04, 0.04, 0.10],  # exact, sector, district, area, else
    "sex": [0.99, 0.01],  # the same, else
}


# How often two different people agree by chance at each level, for the levels a register's sample did not see (a
# small register, or one without a short form among its first names): orders of magnitude for an English council's
# population, from the shares of common first names and surnames, a birthday in twenty years, and a postcode of
# about 15 households in a sector of about 3,000 and a district of about 10,000.
U_PRIORS = {
    "forename": [0.01, 0.002, 0.003, 0.02, 0.965],
    "surname": [0.005, 0.002, 0.0005, 0.01, 0.9825],
    "dob": [0.0001, 0.00001, 0.001, 0.99889],
    "postcode": [0.0005, 0.005, 0.05, 0.3, 0.6445],
    "sex": [0.5, 0.5],
}
# A register smaller than this (members) says too little about chance agreement: the priors are used whole.
U_FROM_REGISTER_AT = 100
# Pairs of members sampled to learn u (enough for levels seen once in ten thousand pairs), from a sample of members.
U_PAIRS = 200_000
U_SAMPLE = 20_000


def _u_from_register(db_api, register: pd.DataFrame) -> dict[str, list[float]]:
    """u per comparison level, learnt from pairs of the register's members; the priors where the sample saw none of
    a level. Then each level's weight is kept no higher than the level above it (a lesser agreement never counts
    for more than a closer one)."""
    from splink import Linker

    learnt: dict[str, list[float | None]] = {name: [None] * len(levels) for name, levels in U_PRIORS.items()}
    if len(register) >= U_FROM_REGISTER_AT:
        settings = _settings(len(register))
        settings.link_type = "dedupe_only"
        # A sample of the register is as good as all of it for chance agreement, and quick at any size.
        sample = register.sample(n=min(len(register), U_SAMPLE), random_state=2015)
        linker = Linker(db_api.register(sample), settings)
        linker.training.estimate_u_using_random_sampling(max_pairs=U_PAIRS, seed=2015, num_chunks=1)
        for comparison in linker.misc.save_model_to_json()["comparisons"]:
            levels = [lv for lv in comparison["comparison_levels"] if not lv.get("is_null_level")]
            learnt[comparison["output_column_name"]] = [lv.get("u_probability") for lv in levels]
    u: dict[str, list[float]] = {}
    for name, priors in U_PRIORS.items():
        values = [found if found else prior for found, prior in zip(learnt[name], priors, strict=True)]
        m = M_PROBABILITIES[name]
        for k in range(1, len(values) - 1):  # ELSE (the last) is left as it is
            if m[k] / values[k] > m[k - 1] / values[k - 1]:
                values[k] = m[k] * values[k - 1] / m[k - 1]
        u[name] = values
    return u


def _settings(register_size: int, u: dict[str, list[float]] | None = None):
    import splink.comparison_level_library as cll
    import splink.comparison_library as cl
    from splink import SettingsCreator, block_on

    forename = cl.CustomComparison(output_column_name="forename", comparison_levels=[
        cll.NullLevel("forename"), cll.ExactMatchLevel("forename"), cll.ExactMatchLevel("forename_canonical"),
        cll.JaroWinklerLevel("forename", 0.92), cll.JaroWinklerLevel("forename", 0.8), cll.ElseLevel()])
    surname = cl.CustomComparison(output_column_name="surname", comparison_levels=[
        cll.NullLevel("surname"), cll.ExactMatchLevel("surname"), cll.JaroWinklerLevel("surname", 0.92),
        cll.ArrayIntersectLevel("surname_parts", 1), cll.JaroWinklerLevel("surname", 0.8), cll.ElseLevel()])
    dob = cl.CustomComparison(output_column_name="dob", comparison_levels=[
        cll.NullLevel("dob"), cll.ExactMatchLevel("dob"),
        cll.CustomLevel("substr(dob_l, 1, 4) = substr(dob_r, 1, 4) AND substr(dob_l, 6, 2) = substr(dob_r, 9, 2) "
                        "AND substr(dob_l, 9, 2) = substr(dob_r, 6, 2)", "Day and month transposed"),
        cll.DamerauLevenshteinLevel("dob", 1), cll.ElseLevel()])
    comparisons = {"forename": forename, "surname": surname, "dob": dob,
                   "postcode": cl.PostcodeComparison("postcode"), "sex": cl.ExactMatch("sex")}
    return SettingsCreator(
        link_type="link_only",
        comparisons=[c.configure(m_probabilities=M_PROBABILITIES[name], u_probabilities=u[name]) if u else
                     c.configure(m_probabilities=M_PROBABILITIES[name]) for name, c in comparisons.items()],
        # Which pairs are compared at all: the same date of birth (whatever the names and address); the same surname
        # and date of birth with the day and month in either order; the same names and year of birth (the day or
        # month mistyped); the same address and surname, or address and first name (a date of birth wrong as well
        # as a name). Each keeps its groups small even where names are
        # common, so that a file of 200,000 rows against 400,000 people compares a few million pairs.
        blocking_rules_to_generate_predictions=[
            block_on("dob"), block_on("surname", "dob_unordered"),
            block_on("surname", "forename_canonical", "substr(dob, 1, 4)"),
            block_on("postcode", "surname"), block_on("postcode", "forename_canonical")],
        # At most one register member per partner row: the prior of two random records being the same person.
        probability_two_random_records_match=1 / max(register_size, 1),
        retain_intermediate_calculation_columns=False,
    )


def link(register: pd.DataFrame, rows: pd.DataFrame, thresholds: Thresholds = Thresholds()) -> pd.DataFrame:
    """``register``: member_id and the person columns; ``rows``: row and the person columns. One line per row:
    row, member_id (the best candidate, or missing), match_probability, match_weight, second_probability and
    second_weight (the next candidate's), decision (``auto``, ``review`` or ``unmatched``), and candidates (the best
    few: member_id, probability, weight and each field's comparison level)."""
    out = pd.DataFrame({"row": rows["row"].astype("int64").to_numpy()})
    if rows.empty or register.empty:
        return _none_matched(out)
    from splink import DuckDBAPI, Linker

    logging.getLogger("splink").setLevel(logging.WARNING)
    db_api = DuckDBAPI()
    people = prepared(register, "member_id")
    u = _u_from_register(db_api, people)
    left = db_api.register(people, dataset_display_name=REGISTER)
    right = db_api.register(prepared(rows, "row"), dataset_display_name=PARTNER)
    linker = Linker([left, right], _settings(len(register), u))
    pairs = linker.inference.predict(threshold_match_probability=0.01).as_pandas_dataframe()
    return _decided(out, pairs, thresholds)


def _none_matched(out: pd.DataFrame) -> pd.DataFrame:
    out = out.assign(member_id=pd.Series(pd.NA, index=out.index, dtype="Int64"), match_probability=0.0,
                     match_weight=float("-inf"), second_probability=0.0, second_weight=float("-inf"),
                     decision=UNMATCHED)
    out["candidates"] = [[] for _ in range(len(out))]
    return out


def _decided(out: pd.DataFrame, pairs: pd.DataFrame, thresholds: Thresholds) -> pd.DataFrame:
    if pairs.empty:
        return _none_matched(out)
    register_left = pairs["source_dataset_l"] == REGISTER
    pairs = pd.DataFrame({
        "member_id": pairs["unique_id_l"].where(register_left, pairs["unique_id_r"]).astype("int64"),
        "row": pairs["unique_id_r"].where(register_left, pairs["unique_id_l"]).astype("int64"),
        "match_probability": pairs["match_probability"].astype(float),
        "match_weight": pairs["match_weight"].astype(float),
        **{f"level_{name}": pairs[f"gamma_{name}"].astype(int) for name in FIELDS},  # 0 is ELSE, -1 missing
    }).sort_values(["row", "match_probability", "member_id"], ascending=[True, False, True], kind="stable")
    ranked = pairs.assign(rank=pairs.groupby("row").cumcount())
    ranked = ranked[ranked["rank"] < CANDIDATES].assign(forename_level=lambda f: f["level_forename"])
    best = ranked[ranked["rank"] == 0].set_index("row")
    second = ranked[ranked["rank"] == 1].set_index("row")
    out = out.join(best[["member_id", "match_probability", "match_weight", "forename_level"]], on="row")
    out["second_probability"] = out["row"].map(second["match_probability"]).fillna(0.0)
    out["second_weight"] = out["row"].map(second["match_weight"]).fillna(float("-inf"))
    out["match_probability"] = out["match_probability"].fillna(0.0)
    out["member_id"] = out["member_id"].astype("Int64")
    decision = pd.Series(UNMATCHED, index=out.index)
    decision[out["match_probability"] >= thresholds.review] = REVIEW
    ahead = (out["match_weight"] - out["second_weight"]) >= thresholds.gap
    named_alike = out["forename_level"].fillna(0) != 0  # a first name wholly unlike is a person's call
    decision[(out["match_probability"] >= thresholds.auto) & ahead & named_alike] = AUTO
    out = out.drop(columns="forename_level")
    out["decision"] = decision
    out["candidates"] = out["row"].map(_candidates(ranked))
    out["candidates"] = out["candidates"].map(lambda c: c if isinstance(c, list) else [])
    return out


def _candidates(ranked: pd.DataFrame) -> dict[int, list[dict]]:
    """Each row's best few candidates, best first, with how far each field agrees (Splink's level)."""
    found: dict[int, list[dict]] = {}
    columns = ["row", "member_id", "match_probability", "match_weight", *(f"level_{n}" for n in FIELDS)]
    for row, member_id, probability, weight, *levels in ranked[columns].itertuples(index=False, name=None):
        found.setdefault(int(row), []).append({
            "member_id": int(member_id), "probability": round(float(probability), 6),
            "weight": round(float(weight), 3), "levels": dict(zip(FIELDS, (int(v) for v in levels), strict=True)),
        })
    return found


# ---------------------------------------------------------------- the first pass: identifiers

IDENTIFIERS = ("upn", "nhs_number", "ni_number", "pnc_number", "case_reference")
EXACT, CONFLICT, DOUBTFUL = "exact", "conflict", "doubtful"


def _compact(values: pd.Series) -> pd.Series:
    text = values.astype("string").str.upper().str.replace(r"[\s\-]", "", regex=True)
    return text.where(text.notna() & (text != ""))


def exact(register: pd.DataFrame, rows: pd.DataFrame) -> pd.DataFrame:
    """The first pass: each row's identifiers (those of ``IDENTIFIERS`` it has, normalised) looked up in the
    register, as one join per identifier. One line per row found: row, member_id, identifier (the first that
    matched), outcome:

    - ``exact``: every identifier that matched names the same member, and the member is like the row (the same
      date of birth, or the same surname, or the same first name);
    - ``conflict``: its identifiers name two different members: matched to no one (the reason says so);
    - ``doubtful``: one member, but nothing of the person agrees (a mistyped identifier, or someone else's): sent
      to review with that member as the candidate.

    Rows no identifier matched are not in the result: they go to the probabilistic pass."""
    found = []
    for name in IDENTIFIERS:
        if name not in rows.columns or name not in register.columns:
            continue
        left = pd.DataFrame({"row": rows["row"].to_numpy(), "key": _compact(rows[name]).to_numpy()}).dropna()
        right = pd.DataFrame({"member_id": register["member_id"].to_numpy(),
                              "key": _compact(register[name]).to_numpy()}).dropna()
        if left.empty or right.empty:
            continue
        found.append(left.merge(right, on="key")[["row", "member_id"]].assign(identifier=name))
    if not found:
        return pd.DataFrame({"row": pd.Series(dtype="int64"), "member_id": pd.Series(dtype="int64"),
                             "identifier": pd.Series(dtype="str"), "outcome": pd.Series(dtype="str")})
    hits = pd.concat(found, ignore_index=True)
    members = hits.groupby("row")["member_id"].nunique()
    first = hits.drop_duplicates("row").set_index("row")
    out = first.assign(outcome=EXACT).reset_index()
    out.loc[out["row"].map(members).to_numpy() > 1, "outcome"] = CONFLICT
    # Is the member like the row? Date of birth, surname or first name the same.
    person = rows.set_index("row").loc[out["row"], ["forename", "surname", "date_of_birth"]].reset_index(drop=True)
    held = register.set_index("member_id").loc[out["member_id"], ["forename", "surname", "date_of_birth"]]
    held = held.reset_index(drop=True)
    alike = (
        (pd.to_datetime(person["date_of_birth"]).to_numpy() == pd.to_datetime(held["date_of_birth"]).to_numpy())
        | (_letters(person["surname"]).to_numpy() == _letters(held["surname"]).to_numpy())
        | (_letters(person["forename"].astype(str).str.split().str[0]).to_numpy()
           == _letters(held["forename"].astype(str).str.split().str[0]).to_numpy())
    )
    out.loc[(out["outcome"] == EXACT).to_numpy() & ~alike, "outcome"] = DOUBTFUL
    return out[["row", "member_id", "identifier", "outcome"]]


def in_words(probability: float | None, weight: float | None) -> str:
    """A match's strength as a coordinator reads it: how likely, and what the match weight means."""
    if probability is None:
        return "Matched only by an identifier: nothing else about the person agrees."
    shown = "Over 99.9" if probability >= 0.9995 else f"{probability * 100:.1f}"
    likely = f"{shown}% likely to be the same person"
    if weight is None:
        return likely + "."
    times = 2 ** abs(weight)
    amount = f"{times:,.0f}" if times >= 10 else f"{times:.1f}"
    if weight >= 0:
        return (f"{likely}. Match weight {weight:.1f}: records that agree and differ like these are about {amount} "
                "times as likely to be one person as two.")
    return (f"{likely}. Match weight {weight:.1f}: records that agree and differ like these are about {amount} "
            "times as likely to be two people as one.")
