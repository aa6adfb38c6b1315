"""A linkage test set with known truth: a register of households (adults, children, some twins) and a partner file
drawn from it with the errors councils' partner data has (typos in either name, short forms of first names,
hyphenated and changed surnames, day and month transposed, moved and missing postcodes, missing sex), plus people
who are not in the register at all. Seeded: the same seed gives the same set. Fictional names and postcodes."""
import random
from datetime import date, timedelta

import pandas as pd

FORENAMES = {"M": ["William", "Robert", "James", "Michael", "Thomas", "Daniel", "Samuel", "Christopher", "Nicholas",
                   "Anthony", "Alexander", "Benjamin", "John", "Steven", "David", "Matthew", "Charles", "Henry",
                   "Oliver", "Alfred", "Frederick", "Joseph", "Edward", "George", "Harry", "Jack", "Noah", "Leo",
                   "Oscar", "Arthur", "Jacob", "Logan", "Ethan", "Mason", "Kai", "Tyler", "Lewis", "Ryan"],
             "F": ["Elizabeth", "Katherine", "Rebecca", "Victoria", "Jennifer", "Susan", "Patricia", "Eleanor",
                   "Abigail", "Margaret", "Olivia", "Amelia", "Isla", "Ava", "Emily", "Sophie", "Grace", "Lily",
                   "Freya", "Chloe", "Ella", "Mia", "Ruby", "Evie", "Poppy", "Jessica", "Hannah", "Lucy", "Megan",
                   "Chantelle", "Demi", "Jade", "Kayleigh", "Leanne", "Shannon", "Tia"]}
# Short forms a partner might write (tfclaims.imports.nicknames knows these and more).
NICK = {"William": "Bill", "Robert": "Bob", "James": "Jim", "Michael": "Mike", "Thomas": "Tom", "Daniel": "Danny",
        "Samuel": "Sam", "Christopher": "Chris", "Nicholas": "Nick", "Anthony": "Tony", "Alexander": "Alex",
        "Benjamin": "Ben", "John": "Johnny", "Steven": "Steve", "David": "Dave", "Matthew": "Matt",
        "Charles": "Charlie", "Henry": "Harry", "Oliver": "Ollie", "Alfred": "Alfie", "Frederick": "Freddie",
        "Joseph": "Joe", "Edward": "Ed", "Elizabeth": "Liz", "Katherine": "Kate", "Rebecca": "Becky",
        "Victoria": "Vicky", "Jennifer": "Jenny", "Susan": "Sue", "Patricia": "Pat", "Eleanor": "Ellie",
        "Abigail": "Abbie", "Margaret": "Maggie", "Jessica": "Jess", "Hannah": "Hanna"}
SURNAMES = ["Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Robinson", "Wright",
            "Thompson", "Evans", "Walker", "White", "Roberts", "Green", "Hall", "Wood", "Jackson", "Clarke", "Patel",
            "Khan", "Lewis", "James", "Phillips", "Mason", "Mitchell", "Rose", "Davis", "Rodriguez", "Cox",
            "Alexander", "Morgan", "Moore", "Martin", "Price", "Hughes", "Edwards", "Turner", "Hill", "Baker",
            "Cooper", "Ward", "Morris", "King", "Harris", "Scott", "Young", "Allen", "Bennett", "Carter", "Murphy",
            "O'Brien", "Kowalski", "Nowak", "Okafor", "Adeyemi", "Begum", "Ali", "Hussain", "Ahmed", "Singh"]
DISTRICTS = ["BR1", "BR2", "BR3", "BR4", "BR5", "BR6", "BR7", "SE6", "SE9", "SE12", "SE20", "CR0"]


def postcode(r):
    letters = "ABDEFGHJLNPQRSTUWXYZ"
    return f"{r.choice(DISTRICTS)} {r.randint(1, 9)}{r.choice(letters)}{r.choice(letters)}"


def typo(r, s):
    if len(s) < 4:
        return s
    i = r.randint(1, len(s) - 2)
    kind = r.random()
    if kind < 0.33:
        return s[:i] + s[i + 1:]
    if kind < 0.66:
        return s[:i] + s[i + 1] + s[i] + s[i + 2:]
    return s[:i] + r.choice("aeioulnrst") + s[i + 1:]


def make(households=1500, seed=1, sample=1500, strangers=250) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The register (member_id, household, the person columns) and the partner file (row, the person columns,
    truth: the member it is, missing for a stranger; errors: what was changed, in words)."""
    r = random.Random(seed)
    people, pid = [], 0
    for h in range(households):
        surname, pc = r.choice(SURNAMES), postcode(r)
        adults = r.choice([1, 1, 2])
        for a in range(adults):
            sex = "F" if a == 0 else "M"
            pid += 1
            born = date(1975, 1, 1) + timedelta(r.randint(0, 9000))
            people.append((pid, h, r.choice(FORENAMES[sex]), surname, born, sex, pc))
        kids = r.randint(1, 4)
        twins = r.random() < 0.08
        dobs = [date(2004, 1, 1) + timedelta(r.randint(0, 6500)) for _ in range(kids)]
        if twins and kids >= 2:
            dobs[1] = dobs[0]
        used = set()
        for k in range(kids):
            sex = r.choice("MF")
            name = r.choice([n for n in FORENAMES[sex] if n not in used])
            used.add(name)
            pid += 1
            people.append((pid, h, name, surname, dobs[k], sex, pc))
    register = pd.DataFrame(people, columns=["member_id", "household", "forename", "surname", "date_of_birth", "sex",
                                             "postcode"])
    chosen = register.sample(sample, random_state=seed)
    rows, errors = [], []
    for p in chosen.itertuples():
        f, s, d, pc, sx = p.forename, p.surname, p.date_of_birth, p.postcode, p.sex
        e = []
        x = r.random()
        if x < 0.12 and f in NICK:
            f = NICK[f]
            e.append("nickname")
        elif x < 0.22:
            f = typo(r, f)
            e.append("forename typo")
        x = r.random()
        if x < 0.12:
            s = typo(r, s)
            e.append("surname typo")
        elif x < 0.17:
            s = f"{s}-{r.choice(SURNAMES)}"
            e.append("hyphenated")
        elif x < 0.20:
            s = r.choice(SURNAMES)
            e.append("changed surname")
        if r.random() < 0.08 and d.day <= 12 and d.day != d.month:
            d = date(d.year, d.day, d.month)
            e.append("swapped day and month")
        x = r.random()
        if x < 0.15:
            pc = postcode(r)
            e.append("moved")
        elif x < 0.20:
            pc = ""
            e.append("no postcode")
        if r.random() < 0.05:
            sx = ""
        rows.append((len(rows) + 1, f, s, d, sx, pc, p.member_id))
        errors.append(", ".join(e))
    for _ in range(strangers):
        sex = r.choice("MF")
        born = date(2004, 1, 1) + timedelta(r.randint(0, 6500))
        rows.append((len(rows) + 1, r.choice(FORENAMES[sex]), r.choice(SURNAMES), born, sex, postcode(r), None))
        errors.append("not in the register")
    partner = pd.DataFrame(rows, columns=["row", "forename", "surname", "date_of_birth", "sex", "postcode", "truth"])
    partner["errors"] = errors
    return register, partner
