"""The probabilistic pass of record linkage: each partner row that no identifier matched, scored against the
register's members by Splink (Fellegi-Sunter, DuckDB embedded here) on first name, surname, date of birth, postcode
and sex, then decided: matched automatically, sent to review, or left unmatched.

No matching algorithm is written here: this module says what Splink compares, how each comparison is read, and
which thresholds decide. The model's u (how often two different people agree by chance) is learnt from each run's
own data by random sampling; its m (how often the same person's records agree) are the priors in
``M_PROBABILITIES``, the same for a file of three rows as for one of thirty thousand.

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


def prepared(people: pd.DataFrame, id_column: str) -> pd.DataFrame:
    """People as Splink compares them: ``unique_id`` and the standardised columns (empty values as missing)."""
    forename = _letters(people["forename"].astype(str).str.split().str[0])
    surname_text = people["surname"].fillna("").astype(str).str.casefold()
    surname = surname_text.str.replace(r"[^a-z]", "", regex=True)
    out = pd.DataFrame({"unique_id": people[id_column].astype("int64").to_numpy()})
    out["forename"] = forename.where(forename != "").to_numpy()
    out["forename_canonical"] = forename.map(lambda n: NICKNAMES.get(n, n)).where(forename != "").to_numpy()
    out["surname"] = surname.where(surname != "").to_numpy()
    out["surname_parts"] = surname_text.map(
        lambda v: [p for p in re.split(r"[^a-z]+", v.replace("'", "")) if p] or None).to_numpy()
    born = pd.to_datetime(people["date_of_birth"], errors="coerce")
    out["dob"] = born.dt.strftime("%Y-%m-%d").where(born.notna()).to_numpy()
    sex = people["sex"].fillna("").astype(str).str.upper()
    out["sex"] = sex.where(sex.isin(["M", "F"])).to_numpy()
    postcode = people["postcode"].fillna("").astype(str).str.upper().str.strip()
    out["postcode"] = postcode.where(postcode != "").to_numpy()
    return out


# How often the same person's two records agree at each level (m), from the first level to the last (ELSE), for
# the comparisons below: priors for councils' data, not learnt from each file, so that a file of three rows is
# judged as well as one of thirty thousand. How often two different people agree by chance (u) is learnt from the
# data itself, by random sampling. (Learning m by expectation maximisation on small files gave twins a 99.99% match.)
M_PROBABILITIES = {
    "forename": [0.82, 0.06, 0.06, 0.05, 0.01],  # exact, short form, Jaro-Winkler 0.92, 0.8, else
    "surname": [0.84, 0.06, 0.04, 0.03, 0.03],  # exact, Jaro-Winkler 0.92, a shared part, 0.8, else
    "dob": [0.93, 0.03, 0.03, 0.01],  # exact, day and month transposed, one character out, else
    "postcode": [0.78, 0.04, 0.04, 0.04, 0.10],  # exact, sector, district, area, else
    "sex": [0.99, 0.01],  # the same, else
}


def _settings(register_size: int):
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
        comparisons=[c.configure(m_probabilities=M_PROBABILITIES[name]) for name, c in comparisons.items()],
        blocking_rules_to_generate_predictions=[
            block_on("dob"), block_on("surname", "substr(dob, 1, 4)"), block_on("postcode"),
            block_on("forename_canonical", "substr(dob, 1, 4)")],
        # At most one register member per partner row: the prior of two random records being the same person.
        probability_two_random_records_match=1 / max(register_size, 1),
        retain_intermediate_calculation_columns=False,
    )


def link(register: pd.DataFrame, rows: pd.DataFrame, thresholds: Thresholds = Thresholds()) -> pd.DataFrame:
    """``register``: member_id and the person columns; ``rows``: row and the person columns. One line per row:
    row, member_id (the best candidate, or missing), match_probability, match_weight, second_probability and
    second_weight (the next candidate's), decision (``auto``, ``review`` or ``unmatched``)."""
    out = pd.DataFrame({"row": rows["row"].astype("int64").to_numpy()})
    if rows.empty or register.empty:
        return out.assign(member_id=pd.NA, match_probability=0.0, match_weight=float("-inf"),
                          second_probability=0.0, second_weight=float("-inf"), decision=UNMATCHED)
    from splink import DuckDBAPI, Linker

    logging.getLogger("splink").setLevel(logging.WARNING)
    db_api = DuckDBAPI()
    left = db_api.register(prepared(register, "member_id"), dataset_display_name=REGISTER)
    right = db_api.register(prepared(rows, "row"), dataset_display_name=PARTNER)
    linker = Linker([left, right], _settings(len(register)))
    linker.training.estimate_u_using_random_sampling(max_pairs=2_000_000, seed=2015)
    pairs = linker.inference.predict(threshold_match_probability=0.01).as_pandas_dataframe()
    return _decided(out, pairs, thresholds)


def _decided(out: pd.DataFrame, pairs: pd.DataFrame, thresholds: Thresholds) -> pd.DataFrame:
    if pairs.empty:
        return out.assign(member_id=pd.NA, match_probability=0.0, match_weight=float("-inf"),
                          second_probability=0.0, second_weight=float("-inf"), decision=UNMATCHED)
    register_left = pairs["source_dataset_l"] == REGISTER
    pairs = pd.DataFrame({
        "member_id": pairs["unique_id_l"].where(register_left, pairs["unique_id_r"]).astype("int64"),
        "row": pairs["unique_id_r"].where(register_left, pairs["unique_id_l"]).astype("int64"),
        "match_probability": pairs["match_probability"].astype(float),
        "match_weight": pairs["match_weight"].astype(float),
        "forename_level": pairs["gamma_forename"].astype(int),  # Splink's level: 0 is ELSE, -1 missing
    }).sort_values(["row", "match_probability", "member_id"], ascending=[True, False, True], kind="stable")
    ranked = pairs.assign(rank=pairs.groupby("row").cumcount())
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
    return out
