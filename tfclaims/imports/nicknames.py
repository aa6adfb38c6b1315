"""Common English short forms of first names, each with the name it stands for: read by the linkage so that
"Bill Smith" in a partner's file can match William Smith in the register. Data, not a matcher: Splink compares the
names; this only says which short forms councils' partners commonly write. A name with two long forms (Alex:
Alexander or Alexandra) maps to the one more common among the programme's families; the other still matches by its
spelling."""

NICKNAMES = {
    "abbie": "abigail", "abby": "abigail", "alex": "alexander", "alfie": "alfred", "andy": "andrew",
    "ben": "benjamin", "becky": "rebecca", "beth": "elizabeth", "bill": "william", "billy": "william",
    "bob": "robert", "bobby": "robert", "cathy": "catherine", "charlie": "charles", "chris": "christopher",
    "dan": "daniel", "danny": "daniel", "dave": "david", "debbie": "deborah", "ed": "edward", "eddie": "edward",
    "ellie": "eleanor", "freddie": "frederick", "fred": "frederick", "gaz": "gary", "harry": "henry",
    "izzy": "isabelle", "jack": "john", "jamie": "james", "jen": "jennifer", "jenny": "jennifer", "jess": "jessica",
    "jim": "james", "jimmy": "james", "jo": "joanne", "joe": "joseph", "johnny": "john", "jon": "jonathan",
    "kate": "katherine", "katie": "katherine", "kath": "katherine", "kay": "kayleigh", "ken": "kenneth",
    "les": "leslie", "liz": "elizabeth", "lizzie": "elizabeth", "maggie": "margaret", "matt": "matthew",
    "meg": "margaret", "mick": "michael", "mike": "michael", "mo": "mohammed", "nat": "natalie", "nick": "nicholas",
    "ollie": "oliver", "pat": "patricia", "pete": "peter", "phil": "philip", "rob": "robert", "ron": "ronald",
    "sam": "samuel", "sandy": "sandra", "steph": "stephanie", "steve": "steven", "sue": "susan", "susie": "susan",
    "ted": "edward", "terry": "terence", "tom": "thomas", "tommy": "thomas", "tony": "anthony", "vicky": "victoria",
    "will": "william", "zak": "zachary",
}
