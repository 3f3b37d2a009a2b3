#!/usr/bin/python3
"""gen_roster: a synthetic pupils export of a UK secondary school, for tests
and benchmarks, in the shape of samples/students.csv (SIMS-style columns,
dd/mm/yyyy dates, Year 7 to Year 11 in the academic year 2026-27).

    gen_roster.py N [--seed S] [--bom] [--crlf] [--groups G]
                    [--leavers K] [--movers K]

writes a header and N pupils to stdout. --leavers drops K of them and
--movers puts K others in another registration group of their year, so

    gen_roster.py 5000 --seed 7 >before.csv
    gen_roster.py 5000 --seed 7 --leavers 40 --movers 120 >after.csv

are two exports of the same school, as a second September import sees them.
Adno and UPN are unique; UPNs carry a valid DfE check letter; e-mail
addresses are unique, a second oliver.smith being oliver.smith2.

The one design choice: the school is drawn from one random stream in a fixed
order, and leavers and movers from two streams of their own, so the base rows
never depend on the change options, and the first K leavers are the same
whatever K is. Only Random.random() is used, the one sequence Python
promises to keep across versions, so a seed means the same roster on any
Python 3.
"""

import argparse
import bisect
import csv
import datetime
import io
import os
import random
import sys
import unicodedata

HEADER = ["Adno", "UPN", "Forename", "Surname", "DOB", "Gender", "Year",
          "Reg", "Email", "Email Verified"]
ACADEMIC_YEAR = 2026          # 2026-27, the year the tests' clock is set in
EMAIL_DOMAIN = "pupils.oakfield.example"
EMAIL_SHARE = 0.60
VERIFIED_SHARE = 0.50
ARRIVAL_SHARE = 0.04          # joined in a later year than their intake
SCHOOL_LA, SCHOOL_ESTAB = "873", "4021"
OTHER_LAS = ["874", "919", "926", "935", "211", "330", "886", "850"]
MAX_ROWS = 800000             # Adno has six digits

# ==== Names ====
#
# Pools of forenames and surnames that belong together, with the share of
# the school each one makes up, so a pupil is "Łukasz Kowalski" or
# "Aoife Kelly" and never a random mix. A surname is one string, or a
# (male, female) pair where the language inflects it. Spellings are NFC.

POOLS = [
    ("british", 0.50,
     ["Oliver", "Jack", "Harry", "Jacob", "Charlie", "Thomas", "George",
      "Oscar", "James", "William", "Noah", "Alfie", "Joshua", "Leo",
      "Archie", "Ethan", "Joseph", "Freddie", "Samuel", "Alexander", "Logan",
      "Daniel", "Isaac", "Max", "Benjamin", "Mason", "Lucas", "Edward",
      "Harrison", "Jake", "Dylan", "Riley", "Finley", "Theo", "Sebastian",
      "Adam", "Zachary", "Arthur", "Toby", "Jayden", "Luke", "Harley",
      "Lewis", "Tyler", "Harvey", "Matthew", "Reuben", "Michael", "Elijah",
      "Kian", "Tommy", "Blake", "Stanley", "Jenson", "Nathan", "Frankie",
      "Jude", "Teddy", "Louie", "Ryan", "Bobby", "Elliott", "Dexter",
      "Ollie", "Kai", "Gabriel", "Connor", "Callum", "Rory", "Jamie",
      "Owen", "Caleb", "Ellis", "Sonny", "Felix", "Finlay", "Rhys",
      "Gethin", "Euan", "Tyrese", "Kaiden", "Alfred", "Ronnie", "Albie"],
     ["Amelia", "Olivia", "Isla", "Emily", "Poppy", "Ava", "Isabella",
      "Jessica", "Lily", "Sophie", "Grace", "Sophia", "Mia", "Evie", "Ruby",
      "Ella", "Scarlett", "Isabelle", "Chloe", "Sienna", "Freya", "Phoebe",
      "Charlotte", "Daisy", "Alice", "Florence", "Eva", "Millie", "Lucy",
      "Evelyn", "Elsie", "Rosie", "Imogen", "Lola", "Matilda", "Layla",
      "Holly", "Molly", "Erin", "Ellie", "Maisie", "Maya", "Abigail",
      "Eliza", "Georgia", "Jasmine", "Esme", "Willow", "Bella", "Ivy",
      "Amber", "Emilia", "Summer", "Hannah", "Eleanor", "Harriet", "Rose",
      "Lexi", "Megan", "Gracie", "Zara", "Lacey", "Martha", "Violet",
      "Darcey", "Brooke", "Katie", "Leah", "Thea", "Heidi", "Lottie",
      "Bethany", "Harper", "Nancy", "Lydia", "Zoë", "Zoe", "Robyn",
      "Cerys", "Seren", "Ffion", "Eilidh", "Mhairi", "Jada", "Shanice"],
     ["Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson",
      "Davies", "Robinson", "Wright", "Thompson", "Evans", "Walker", "White",
      "Roberts", "Green", "Hall", "Wood", "Jackson", "Clarke", "Hughes",
      "Edwards", "Lewis", "Harris", "Martin", "Cooper", "King", "Lee",
      "Baker", "Turner", "Hill", "Morris", "Ward", "Moore", "Clark",
      "Harrison", "Scott", "Young", "Morgan", "Watson", "Allen", "Carter",
      "Mitchell", "Phillips", "Parker", "Bennett", "Shaw", "Cook", "Bailey",
      "Richardson", "Cox", "Marshall", "Collins", "Bell", "Webb", "Simpson",
      "Chapman", "Holmes", "Mason", "Ellis", "Knight", "Barnes", "Lloyd",
      "Griffiths", "Pritchard", "Campbell", "Stewart", "Macdonald",
      "Fraser", "McLeod", "Fletcher", "Atkinson", "Pearson", "Hunt",
      "Dixon", "Fisher", "Gray", "Butler", "Lawrence", "Foster", "Hayes",
      "Sutton", "Barker", "Payne", "Holt", "Dawson", "Nicholls", "Francis"]),
    ("irish", 0.04,
     ["Seán", "Cian", "Oisín", "Darragh", "Conor", "Ciarán", "Pádraig",
      "Eoin", "Rían", "Fionn", "Tadhg", "Cillian", "Liam", "Sean"],
     ["Siobhán", "Aoife", "Niamh", "Saoirse", "Róisín", "Caoimhe", "Orla",
      "Ciara", "Áine", "Clodagh", "Sinéad", "Éabha", "Méabh", "Siobhan"],
     ["O'Brien", "Murphy", "Kelly", "O'Sullivan", "Walsh", "O'Connor",
      "McCarthy", "Byrne", "Ryan", "Doyle", "Gallagher", "O'Neill", "Quinn",
      "Brennan", "Ó Súilleabháin", "Mac Cárthaigh",
      ("Ó Briain", "Ní Bhriain")]),
    ("polish", 0.05,
     ["Jakub", "Kacper", "Szymon", "Filip", "Mateusz", "Łukasz",
      "Bartłomiej", "Michał", "Wiktor", "Oskar", "Antoni", "Piotr", "Dawid",
      "Kamil", "Igor", "Tomasz", "Paweł"],
     ["Zuzanna", "Julia", "Maja", "Zofia", "Hanna", "Lena", "Alicja",
      "Natalia", "Wiktoria", "Oliwia", "Gabriela", "Weronika", "Aleksandra",
      "Martyna", "Kinga", "Małgorzata"],
     ["Nowak", "Wójcik", "Woźniak", "Mazur", "Krawczyk", "Kaczmarek",
      ("Kowalski", "Kowalska"), ("Wiśniewski", "Wiśniewska"),
      ("Lewandowski", "Lewandowska"), ("Kamiński", "Kamińska"),
      ("Zieliński", "Zielińska"), ("Szymański", "Szymańska"),
      ("Dąbrowski", "Dąbrowska"), ("Kozłowski", "Kozłowska"),
      ("Jankowski", "Jankowska"), ("Grabowski", "Grabowska")]),
    ("lithuanian", 0.012,
     ["Lukas", "Matas", "Jokūbas", "Nojus", "Dominykas", "Kajus", "Benas",
      "Tomas"],
     ["Emilija", "Gabija", "Urtė", "Austėja", "Kamilė", "Ugnė", "Gustė",
      "Ieva"],
     [("Kazlauskas", "Kazlauskaitė"), ("Jankauskas", "Jankauskaitė"),
      ("Petrauskas", "Petrauskaitė"), ("Stankevičius", "Stankevičiūtė"),
      ("Žukauskas", "Žukauskaitė"), ("Butkus", "Butkutė")]),
    ("romanian", 0.03,
     ["Andrei", "Alexandru", "Ionuț", "Mihai", "Ștefan", "Gabriel", "David",
      "Luca", "Rareș", "Darius", "Vlad", "Cristian"],
     ["Ioana", "Maria", "Andreea", "Elena", "Ana", "Bianca", "Alexandra",
      "Daria", "Sofia", "Irina", "Denisa", "Larisa"],
     ["Popescu", "Ionescu", "Popa", "Stan", "Dumitrescu", "Munteanu",
      "Constantin", "Stoica", "Rusu", "Marin", "Moldovan", "Lungu",
      "Enache", "Dobre", "Țurcanu"]),
    ("pakistani-bangladeshi", 0.07,
     ["Muhammad", "Mohammed", "Ibrahim", "Yusuf", "Zain", "Ayaan", "Hamza",
      "Ali", "Bilal", "Zayn", "Rayyan", "Adam", "Haris", "Umar", "Musa",
      "Abdullah", "Saif", "Imran", "Rehan", "Tahmid", "Shahid"],
     ["Aisha", "Maryam", "Fatima", "Zara", "Hafsa", "Inaaya", "Amira",
      "Hania", "Safa", "Zainab", "Khadija", "Aleena", "Iqra", "Sana",
      "Anaya", "Hira", "Mariam", "Ayesha", "Sumaiya", "Tasnim", "Nusrat"],
     ["Khan", "Ahmed", "Ali", "Hussain", "Shah", "Iqbal", "Mahmood",
      "Akhtar", "Rashid", "Butt", "Malik", "Mirza", "Qureshi", "Rahman",
      "Miah", "Uddin", "Islam", "Chowdhury", "Hoque", ("Ahmed", "Begum"),
      ("Miah", "Begum"), ("Hussain", "Bibi")]),
    ("indian", 0.03,
     ["Arjun", "Aarav", "Rohan", "Dev", "Krish", "Vihaan", "Aryan",
      "Ishaan", "Nikhil", "Rahul", "Karan", "Veer", "Ravi", "Aditya"],
     ["Priya", "Ananya", "Diya", "Aanya", "Isha", "Riya", "Kavya",
      "Saanvi", "Anika", "Meera", "Nisha", "Shreya", "Tara", "Aditi"],
     ["Patel", "Shah", "Sharma", "Gupta", "Kumar", "Mistry", "Parmar",
      "Chauhan", "Joshi", "Desai", "Mehta", "Pillai", "Nair", "Krishnan",
      "Rao", "Iyer"]),
    ("sikh", 0.015,
     ["Harjot", "Jaskaran", "Arjan", "Harvir", "Manveer", "Jasraj",
      "Ekam", "Gurveer", "Kiran"],
     ["Harleen", "Jasleen", "Simran", "Manpreet", "Navneet", "Gurleen",
      "Amrit", "Prabhleen", "Jaspreet", "Hargun"],
     [("Singh", "Kaur"), ("Singh", "Kaur"), "Sandhu", "Gill", "Dhillon",
      "Bains", "Sidhu", "Johal", "Grewal", "Kang", "Atwal", "Bhamra"]),
    ("west-african", 0.04,
     ["Chidi", "Tobi", "Emeka", "Femi", "Tunde", "Kwame", "Kofi",
      "Kwabena", "Ayo", "Oluwaseun", "Emmanuel", "Samuel", "Joshua",
      "Victor", "Joel", "Nathaniel", "David", "Daniel"],
     ["Chioma", "Ngozi", "Adaeze", "Amara", "Ifeoma", "Temi", "Tolu",
      "Funmi", "Abena", "Akosua", "Ama", "Esi", "Favour", "Precious",
      "Blessing", "Deborah", "Esther", "Mercy", "Zainab"],
     ["Okafor", "Okonkwo", "Adeyemi", "Adebayo", "Olawale", "Eze", "Nwosu",
      "Obi", "Balogun", "Ogunleye", "Afolabi", "Chukwu", "Akinola",
      "Mensah", "Osei", "Boateng", "Asante", "Owusu", "Appiah", "Agyeman",
      "Darko", "Addo", "Ansah"]),
    ("somali", 0.015,
     ["Abdirahman", "Abdullahi", "Mohamed", "Ahmed", "Yusuf", "Hamza",
      "Abdikarim", "Bilal", "Khalid", "Said"],
     ["Hodan", "Ayaan", "Fadumo", "Hibo", "Ifrah", "Sagal", "Nasra",
      "Hamdi", "Amina", "Ikran", "Muna", "Sumaya"],
     ["Abdi", "Ali", "Hassan", "Mohamed", "Farah", "Ahmed", "Omar",
      "Yusuf", "Warsame", "Aden", "Hussein", "Ismail", "Jama", "Nur",
      "Osman"]),
    ("arabic-afghan", 0.015,
     ["Omar", "Yousef", "Ahmad", "Mahmoud", "Karim", "Hassan", "Amir",
      "Sami", "Mustafa", "Hamid"],
     ["Noor", "Layla", "Rania", "Yasmin", "Hiba", "Lina", "Sara",
      "Dania", "Reem", "Marwa"],
     ["Al-Ahmad", "Haddad", "Khalil", "Mansour", "Saleh", "Aziz",
      "Karimi", "Rahimi", "Hosseini", "Ahmadi", "Mohammadi", "Al-Hashimi"]),
    ("turkish-kurdish", 0.015,
     ["Mehmet", "Mustafa", "Ahmet", "Emre", "Yusuf", "Eren", "Burak",
      "Kerem", "Efe", "Arda", "Ömer", "Baran", "Azad"],
     ["Elif", "Zeynep", "Ayşe", "Defne", "Ecrin", "Eylül", "Azra", "Merve",
      "Nisa", "Büşra", "İrem", "Berfin", "Rojda"],
     ["Yılmaz", "Kaya", "Demir", "Şahin", "Çelik", "Yıldız", "Yıldırım",
      "Öztürk", "Aydın", "Özdemir", "Arslan", "Doğan", "Kılıç", "Çetin"]),
    ("chinese", 0.02,
     ["Hao", "Yu", "Jun", "Zihan", "Haoran", "Yichen", "Ming", "Wei",
      "Ethan", "Ryan", "Hayden"],
     ["Xinyi", "Yutong", "Jiayi", "Mei", "Ling", "Yan", "Zixuan", "Ruoxi",
      "Chloe", "Hannah"],
     ["Chen", "Wang", "Li", "Zhang", "Liu", "Yang", "Huang", "Zhao", "Wu",
      "Zhou", "Lin", "Wong", "Chan", "Cheung", "Lam", "Ng", "Leung"]),
    ("vietnamese", 0.01,
     ["Văn Thảo", "Đức Anh", "Quang Huy", "Minh Khôi", "Gia Bảo",
      "Hoàng Nam", "Tuấn Kiệt", "Minh", "Bao"],
     ["Thị Lan", "Ngọc Anh", "Thu Hà", "Bảo Ngọc", "Khánh Linh", "Mai Anh",
      "Thảo Vy", "Phương Anh", "Thảo", "Linh"],
     ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ",
      "Đặng", "Bùi", "Đỗ", "Nguyen", "Tran", "Pham"]),
    ("russian-ukrainian", 0.015,
     ["Dmitri", "Artem", "Maksym", "Mykyta", "Ivan", "Nikita", "Daniil",
      "Mikhail", "Oleksandr", "Bohdan", "Matvii"],
     ["Anastasia", "Sofiia", "Polina", "Daria", "Viktoriia", "Alina",
      "Anna", "Yelyzaveta", "Kateryna", "Valeriia", "Mariia"],
     [("Ivanov", "Ivanova"), ("Petrov", "Petrova"), ("Smirnov", "Smirnova"),
      ("Volkov", "Volkova"), ("Kuznetsov", "Kuznetsova"),
      ("Morozov", "Morozova"), "Shevchenko", "Kovalenko", "Bondarenko",
      "Tkachenko", "Kravchenko", "Melnyk", "Boyko", "Lysenko"]),
    ("portuguese-brazilian", 0.02,
     ["João", "José", "Tiago", "Rodrigo", "Gonçalo", "Afonso", "Duarte",
      "Diogo", "Rafael", "Tomás", "Martim", "Miguel", "Guilherme"],
     ["Beatriz", "Mariana", "Inês", "Leonor", "Matilde", "Carolina", "Ana",
      "Lara", "Camila", "Letícia", "Júlia", "Larissa", "Vitória"],
     ["Silva", "Santos", "Ferreira", "Pereira", "Oliveira", "Costa",
      "Rodrigues", "Martins", "Sousa", "Fernandes", "Gonçalves", "Gomes",
      "Lopes", "Marques", "Almeida", "Ribeiro", "Carvalho"]),
    ("spanish-italian", 0.015,
     ["Alejandro", "Pablo", "Mateo", "Javier", "Álvaro", "Matteo",
      "Lorenzo", "Leonardo", "Giovanni", "Francesco"],
     ["Lucía", "Paula", "Carmen", "Martina", "Valentina", "Giulia",
      "Alessia", "Chiara", "Elena", "Sofía"],
     ["García", "Rodríguez", "Martínez", "López", "Fernández", "Sánchez",
      "Rossi", "Russo", "Ferrari", "Esposito", "Bianchi", "Romano", "Ricci",
      "Greco", "De Luca"]),
    ("french", 0.007,
     ["Léo", "Théo", "Louis", "Jules", "Mathis", "Noé", "Raphaël",
      "Gabriel"],
     ["Chloé", "Anaïs", "Léa", "Manon", "Camille", "Inès", "Clémence",
      "Élodie"],
     ["Dubois", "Lefèvre", "Moreau", "Laurent", "Girard", "Bonnet",
      "Mercier", "Fontaine", "Rousseau", "Lambert"]),
    ("dutch", 0.006,
     ["Daan", "Sem", "Lars", "Bram", "Thijs", "Jens", "Ruben"],
     ["Lotte", "Fenna", "Sanne", "Noor", "Femke", "Julia", "Tess"],
     ["van der Berg", "de Vries", "van Dijk", "Jansen", "de Jong",
      "Bakker", "Visser", "Smit", "Meijer", "van den Broek"]),
]

MIXED_FORENAME = 0.08   # a British forename with another pool's surname
DOUBLE_BARREL = 0.02    # a British pupil with a hyphenated surname

# ==== Random choices from Random.random() only ====


def below(rng, n):
    """An integer in [0, n); the bias is far below anything a test sees."""
    return int(rng.random() * n)


def pick(rng, seq):
    return seq[int(rng.random() * len(seq))]


def pick_common(rng, seq):
    """Like pick, but the head of seq comes up more often: name lists are
    in rough order of frequency, and a school has more Smiths than Holts."""
    return seq[int(rng.random() ** 1.3 * len(seq))]


class Shuffle:
    """The indices 0..n-1 in random order, drawn one at a time (a lazy
    Fisher-Yates), so taking k costs O(k) and the first k drawn are the same
    whether k or k + 1 are wanted."""

    def __init__(self, rng, n):
        self.rng, self.n, self.i, self.swapped = rng, n, 0, {}

    def __iter__(self):
        return self

    def __next__(self):
        if self.i >= self.n:
            raise StopIteration
        j = self.i + below(self.rng, self.n - self.i)
        a = self.swapped.get(self.i, self.i)
        b = self.swapped.get(j, j)
        self.swapped[j] = a
        self.swapped.pop(self.i, None)
        self.i += 1
        return b


# ==== Identifiers ====

UPN_LETTERS = "ABCDEFGHJKLMNPQRTUVWXYZ"    # no I, O or S


def upn(digits):
    """The DfE check letter (weights 2..13, modulo 23) before 12 digits."""
    s = 0
    for w, c in enumerate(digits, 2):
        s += w * (ord(c) - 48)
    return UPN_LETTERS[s % 23] + digits


ASCII_EXTRA = {"ł": "l", "Ł": "L", "ø": "o", "Ø": "O", "ß": "ss", "đ": "d",
               "Đ": "D", "ı": "i", "æ": "ae", "Æ": "AE", "œ": "oe",
               "Œ": "OE", "þ": "th", "ð": "d"}
_ascii_cache = {}


def ascii_part(name):
    """name as an e-mail local part: lower-case ASCII letters, digits and
    hyphens; accents, spaces and apostrophes dropped (Ó Súilleabháin ->
    osuilleabhain)."""
    got = _ascii_cache.get(name)
    if got is None:
        s = "".join(ASCII_EXTRA.get(c, c) for c in name)
        s = unicodedata.normalize("NFKD", s)
        got = "".join(c for c in s.lower()
                      if c.isascii() and (c.isalnum() or c == "-"))
        _ascii_cache[name] = got
    return got


# ==== The school ====


class Pupil:
    __slots__ = ("adno", "upn", "forename", "surname", "dob", "gender",
                 "year", "reg", "email", "verified")


def year_sizes(n):
    """n pupils over Year 7..11 as evenly as possible."""
    return [n // 5 + (1 if i < n % 5 else 0) for i in range(5)]


def dob_table(year):
    """Every date of birth in dd/mm/yyyy a pupil of Year year can have."""
    start = datetime.date(ACADEMIC_YEAR - year - 5, 9, 1)
    end = datetime.date(ACADEMIC_YEAR - year - 4, 9, 1)
    days = []
    d = start
    while d < end:
        days.append("%02d/%02d/%d" % (d.day, d.month, d.year))
        d += datetime.timedelta(days=1)
    return days


def make_feeders(rng, n):
    """Primary schools the intake comes from: (LA, establishment) pairs,
    most in the school's own authority, enough that no (school, year) runs
    short of three-digit serials."""
    count = max(8, n // 200)
    feeders, seen = [], set()
    while len(feeders) < count:
        la = SCHOOL_LA if rng.random() < 0.8 else pick(rng, OTHER_LAS)
        estab = "%04d" % (2000 + below(rng, 2000))
        if (la, estab) not in seen:
            seen.add((la, estab))
            feeders.append((la, estab))
    return feeders


def draw_name(rng, cum, gender):
    i = bisect.bisect_right(cum, rng.random() * cum[-1])
    _, _, males, females, surnames = POOLS[min(i, len(POOLS) - 1)]
    forenames = males if gender == "M" else females
    if i > 0 and rng.random() < MIXED_FORENAME:
        forenames = POOLS[0][2] if gender == "M" else POOLS[0][3]
    forename = pick_common(rng, forenames)
    surname = pick_common(rng, surnames)
    if isinstance(surname, tuple):
        surname = surname[0] if gender == "M" else surname[1]
    if i == 0 and rng.random() < DOUBLE_BARREL:
        other = pick(rng, surnames)
        if other != surname:
            surname = surname + "-" + other
    return forename, surname


def name_key(p):
    """Alphabetical as an MIS lists pupils: Ó Súilleabháin among the Os."""
    return (ascii_part(p.surname), ascii_part(p.forename))


def make_school(n, seed, groups):
    """The n pupils of the school that seed describes, in no useful order.
    Everything here is drawn from one stream in a fixed order."""
    rng = random.Random(seed)
    cum, total = [], 0.0
    for pool in POOLS:
        total += pool[1]
        cum.append(total)
    feeders = make_feeders(rng, n)
    used_upns = set()
    pupils, arrivals = [], []
    adno = 1000 + below(rng, 2000)
    # Oldest intake first, so Adno grows with the year of admission.
    for year, size in zip((11, 10, 9, 8, 7), reversed(year_sizes(n))):
        dobs = dob_table(year)
        born = ACADEMIC_YEAR - year - 5
        intake = []
        for _ in range(size):
            p = Pupil()
            p.year = year
            p.gender = "M" if rng.random() < 0.5 else "F"
            p.forename, p.surname = draw_name(rng, cum, p.gender)
            p.dob = pick(rng, dobs)
            arrived = year > 7 and rng.random() < ARRIVAL_SHARE
            tries = 0
            while True:
                tries += 1
                if arrived and tries < 8 and rng.random() < 0.5:
                    # New to English schools: numbered by this school.
                    la, estab = SCHOOL_LA, SCHOOL_ESTAB
                    yy = ACADEMIC_YEAR - below(rng, year - 6)
                elif arrived:
                    la, estab = pick(rng, OTHER_LAS), "%04d" % (
                        2000 + below(rng, 2000))
                    yy = born + 4 + below(rng, 2)
                else:
                    la, estab = pick(rng, feeders)
                    yy = born + 4 + below(rng, 2)
                u = upn("%s%s%02d%03d" % (la, estab, yy % 100,
                                         below(rng, 1000)))
                if u not in used_upns:
                    used_upns.add(u)
                    break
            p.upn = u
            p.email = rng.random() < EMAIL_SHARE
            p.verified = p.email and rng.random() < VERIFIED_SHARE
            (arrivals if arrived else intake).append(p)
        # An intake is admitted in alphabetical order; leavers leave gaps.
        intake.sort(key=lambda p: name_key(p) + (p.dob,))
        for p in intake:
            p.adno = adno
            adno += 1 + (1 if rng.random() < 0.05 else 0)
        pupils.extend(intake)
        # Registration groups: deal the year out in shuffled order.
        order = list(Shuffle(rng, len(intake)))
        for k, j in enumerate(order):
            intake[j].reg = k % groups
    # In-year arrivals take the numbers after the last intake and join
    # whichever group of their year is smallest.
    counts = {}
    for p in pupils:
        counts[(p.year, p.reg)] = counts.get((p.year, p.reg), 0) + 1
    for p in arrivals:
        p.adno = adno
        adno += 1
        p.reg = min(range(groups), key=lambda g: counts.get((p.year, g), 0))
        counts[(p.year, p.reg)] = counts.get((p.year, p.reg), 0) + 1
        pupils.append(p)
    # E-mail addresses are unique: a second oliver.smith is oliver.smith2.
    pupils.sort(key=lambda p: p.adno)
    taken = {}
    for p in pupils:
        if not p.email:
            p.email = ""
            continue
        local = ascii_part(p.forename) + "." + ascii_part(p.surname)
        k = taken.get(local, 0) + 1
        taken[local] = k
        p.email = "%s%s@%s" % (local, k if k > 1 else "", EMAIL_DOMAIN)
    return pupils


def apply_changes(pupils, seed, groups, leavers, movers):
    """Drops leavers pupils and moves movers others to another group of
    their year, each chosen from a stream of its own."""
    n = len(pupils)
    gone = set()
    if leavers:
        it = Shuffle(random.Random("leavers:%s" % seed), n)
        for _ in range(leavers):
            gone.add(next(it))
    if movers:
        rng = random.Random("movers:%s" % seed)
        it = Shuffle(rng, n)
        moved = 0
        while moved < movers:
            i = next(it)
            if i in gone:
                continue
            p = pupils[i]
            p.reg = (p.reg + 1 + below(rng, groups - 1)) % groups
            moved += 1
    return [p for i, p in enumerate(pupils) if i not in gone]


# ==== Output ====


def write(out, pupils, bom, crlf):
    if bom:
        out.write("\ufeff")
    w = csv.writer(out, lineterminator="\r\n" if crlf else "\n")
    w.writerow(HEADER)
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    for p in pupils:
        w.writerow(("%06d" % p.adno, p.upn, p.forename, p.surname, p.dob,
                    p.gender, "Year %d" % p.year,
                    "%d%s" % (p.year, letters[p.reg]), p.email,
                    ("Yes" if p.verified else "No") if p.email else ""))


def main():
    ap = argparse.ArgumentParser(
        prog="gen_roster.py",
        description="Writes a synthetic SIMS-style pupils export to stdout.")
    ap.add_argument("n", type=int, metavar="N", help="pupils in the school")
    ap.add_argument("--seed", type=int, default=1,
                    help="which school (default 1)")
    ap.add_argument("--bom", action="store_true",
                    help="start with a UTF-8 byte order mark")
    ap.add_argument("--crlf", action="store_true", help="CRLF line ends")
    ap.add_argument("--groups", type=int, default=10, metavar="G",
                    help="registration groups per year, 7A.. (default 10)")
    ap.add_argument("--leavers", type=int, default=0, metavar="K",
                    help="drop K pupils of the school")
    ap.add_argument("--movers", type=int, default=0, metavar="K",
                    help="move K other pupils to another group of their year")
    a = ap.parse_args()
    if not 0 <= a.n <= MAX_ROWS:
        ap.error("N must be between 0 and %d" % MAX_ROWS)
    if not 1 <= a.groups <= 26:
        ap.error("--groups must be between 1 and 26")
    if a.leavers < 0 or a.movers < 0:
        ap.error("--leavers and --movers cannot be negative")
    if a.leavers + a.movers > a.n:
        ap.error("--leavers plus --movers is more than N")
    if a.movers and a.groups < 2:
        ap.error("--movers needs at least 2 groups per year")

    pupils = make_school(a.n, a.seed, a.groups)
    pupils = apply_changes(pupils, a.seed, a.groups, a.leavers, a.movers)
    pupils.sort(key=lambda p: (p.year, p.reg) + name_key(p) + (p.adno,))
    out = io.TextIOWrapper(sys.stdout.buffer, encoding="utf-8", newline="",
                           write_through=False)
    try:
        write(out, pupils, a.bom, a.crlf)
        out.flush()
        out.detach()
    except BrokenPipeError:
        # The reader (head, a test) has had enough; that is not an error.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
