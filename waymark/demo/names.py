"""Nationality mix and plausible names for the demo data.

Proportions are the EM cohort's (000 Figure 2): the top ten nationalities are 61.2% of people,
the rest spread over about ninety others. Names come from small built-in lists per language
group so that loading is fast, needs no extra package and is the same on every machine.
"""

from __future__ import annotations

# ISO 3166-1 alpha-3 code -> share of people (000 Figure 2).
TOP_NATIONALITIES: dict[str, float] = {
    "ALB": 0.281, "JAM": 0.064, "POL": 0.045, "ZWE": 0.040, "NGA": 0.036,
    "VNM": 0.035, "PAK": 0.032, "IRQ": 0.027, "SOM": 0.027, "PRT": 0.025,
}

# The other nationalities (90 of them) and the name pool each draws on. The earlier in the list,
# the more common (weights fall off gently), so that the long tail looks like a real caseload.
OTHER_NATIONALITIES: list[tuple[str, str]] = [
    ("ROU", "romanian"), ("LTU", "baltic"), ("IND", "south_asian"), ("AFG", "afghan"),
    ("IRN", "persian"), ("ERI", "horn"), ("SDN", "arabic"), ("GHA", "west_african"),
    ("BGD", "south_asian"), ("CHN", "chinese"), ("TUR", "turkish"), ("LVA", "baltic"),
    ("SYR", "arabic"), ("ETH", "horn"), ("LKA", "south_asian"), ("KEN", "east_african"),
    ("UGA", "east_african"), ("TTO", "caribbean"), ("SLE", "west_african"), ("GMB", "west_african"),
    ("BGR", "slavic"), ("SVK", "slavic"), ("CZE", "slavic"), ("UKR", "slavic"),
    ("RUS", "slavic"), ("HUN", "hungarian"), ("EGY", "arabic"), ("LBY", "arabic"),
    ("DZA", "arabic"), ("MAR", "arabic"), ("TUN", "arabic"), ("YEM", "arabic"),
    ("KWT", "arabic"), ("JOR", "arabic"), ("LBN", "arabic"), ("PSE", "arabic"),
    ("COD", "central_african"), ("COG", "central_african"), ("CMR", "central_african"),
    ("AGO", "lusophone"), ("BRA", "lusophone"), ("CPV", "lusophone"), ("MOZ", "lusophone"),
    ("ESP", "hispanic"), ("COL", "hispanic"), ("ECU", "hispanic"), ("BOL", "hispanic"),
    ("VEN", "hispanic"), ("DOM", "hispanic"), ("ITA", "italian"), ("FRA", "french"),
    ("DEU", "german"), ("NLD", "german"), ("IRL", "anglo"), ("USA", "anglo"),
    ("CAN", "anglo"), ("AUS", "anglo"), ("ZAF", "anglo"), ("GUY", "caribbean"),
    ("BRB", "caribbean"), ("LCA", "caribbean"), ("GRD", "caribbean"), ("DMA", "caribbean"),
    ("VCT", "caribbean"), ("MWI", "east_african"), ("TZA", "east_african"), ("RWA", "east_african"),
    ("BDI", "east_african"), ("ZMB", "east_african"), ("CIV", "west_african"), ("SEN", "west_african"),
    ("GIN", "west_african"), ("LBR", "west_african"), ("TGO", "west_african"), ("MYS", "chinese"),
    ("PHL", "filipino"), ("THA", "thai"), ("NPL", "south_asian"), ("MUS", "south_asian"),
    ("GEO", "slavic"), ("ARM", "slavic"), ("AZE", "turkish"), ("KAZ", "slavic"),
    ("MDA", "romanian"), ("EST", "baltic"), ("HRV", "slavic"), ("SRB", "slavic"),
    ("MKD", "slavic"), ("BIH", "slavic"), ("KOS", "albanian"), ("GRC", "greek"),
    ("CYP", "greek"), ("XXA", "arabic"),
]
# "KOS" is the code UK documents use for Kosovo; pycountry does not know it, so use XXX instead.
OTHER_NATIONALITIES = [("XXX", p) if c == "KOS" else (c, p) for c, p in OTHER_NATIONALITIES]

POOL_OF: dict[str, str] = {
    "ALB": "albanian", "JAM": "caribbean", "POL": "polish", "ZWE": "southern_african",
    "NGA": "nigerian", "VNM": "vietnamese", "PAK": "south_asian", "IRQ": "arabic",
    "SOM": "somali", "PRT": "lusophone",
}
POOL_OF.update(dict(OTHER_NATIONALITIES))


def nationality_weights() -> list[tuple[str, float]]:
    """(code, share) for every nationality; shares add up to 1."""
    top = list(TOP_NATIONALITIES.items())
    rest_share = 1 - sum(TOP_NATIONALITIES.values())
    raw = [1 / (1 + i * 0.08) for i in range(len(OTHER_NATIONALITIES))]
    total = sum(raw)
    return top + [(code, rest_share * w / total) for (code, _), w in zip(OTHER_NATIONALITIES, raw, strict=True)]


# pool -> (given names (male), given names (female), family names)
NAMES: dict[str, tuple[list[str], list[str], list[str]]] = {
    "albanian": (
        ["Ardit", "Besnik", "Dritan", "Elton", "Fatmir", "Gentian", "Ilir", "Klodian", "Mergim",
         "Arben", "Erion", "Endrit", "Florian", "Kristi", "Redon", "Sokol", "Arjan", "Altin"],
        ["Anila", "Blerta", "Elira", "Mirela", "Ornela"],
        ["Hoxha", "Shehu", "Krasniqi", "Gashi", "Berisha", "Leka", "Dervishi", "Kola", "Marku",
         "Hysa", "Cela", "Prifti", "Muca", "Basha", "Duka", "Lika", "Rama", "Meta", "Zeqiri", "Bajrami"],
    ),
    "caribbean": (
        ["Andre", "Courtney", "Dwayne", "Jermaine", "Leon", "Marlon", "Omar", "Ricardo", "Tyrone",
         "Delroy", "Winston", "Garfield", "Kemar", "Shane", "Damion", "Ryan"],
        ["Kerry-Ann", "Shanice", "Tanisha", "Marcia", "Simone"],
        ["Campbell", "Brown", "Williams", "Thompson", "Clarke", "Grant", "Morrison", "Reid",
         "McKenzie", "Francis", "Gordon", "Henry", "Lewis", "Spencer", "Walker", "Bailey", "Forbes"],
    ),
    "polish": (
        ["Piotr", "Krzysztof", "Tomasz", "Marcin", "Pawel", "Michal", "Lukasz", "Kamil", "Jakub",
         "Grzegorz", "Dariusz", "Sebastian", "Mateusz", "Wojciech"],
        ["Agnieszka", "Katarzyna", "Magdalena", "Joanna"],
        ["Nowak", "Kowalski", "Wisniewski", "Wojcik", "Kowalczyk", "Kaminski", "Lewandowski",
         "Zielinski", "Szymanski", "Wozniak", "Dabrowski", "Kozlowski", "Jankowski", "Mazur"],
    ),
    "southern_african": (
        ["Tendai", "Tatenda", "Farai", "Blessing", "Tinashe", "Kudakwashe", "Tafadzwa", "Simbarashe",
         "Takudzwa", "Munyaradzi", "Brighton", "Givemore"],
        ["Chipo", "Rutendo", "Nyasha", "Tsitsi"],
        ["Moyo", "Ncube", "Sibanda", "Dube", "Ndlovu", "Mpofu", "Chikwanha", "Mutasa", "Zhou",
         "Chinyama", "Mhlanga", "Nyathi", "Gumbo", "Marufu"],
    ),
    "nigerian": (
        ["Chukwuemeka", "Oluwaseun", "Adebayo", "Babatunde", "Emeka", "Ifeanyi", "Olumide",
         "Tunde", "Chinedu", "Obinna", "Segun", "Uche", "Kelechi", "Femi"],
        ["Ngozi", "Chioma", "Funmilayo", "Adaeze"],
        ["Okafor", "Adeyemi", "Okonkwo", "Balogun", "Eze", "Nwosu", "Adebayo", "Ogunleye",
         "Oyelaran", "Chukwu", "Abiodun", "Nnamdi", "Ibrahim", "Afolabi", "Obi"],
    ),
    "vietnamese": (
        ["Van Minh", "Duc Anh", "Thanh", "Quang", "Hoang", "Tuan", "Hung", "Dung", "Long", "Nam",
         "Van Hai", "Cuong"],
        ["Thi Lan", "Thi Hoa", "Thi Mai"],
        ["Nguyen", "Tran", "Le", "Pham", "Hoang", "Phan", "Vu", "Dang", "Bui", "Do", "Ho", "Ngo"],
    ),
    "south_asian": (
        ["Muhammad", "Mohammed", "Imran", "Asif", "Tariq", "Bilal", "Usman", "Kamran", "Rizwan",
         "Arjun", "Rahul", "Sandeep", "Harpreet", "Rajesh", "Nadeem", "Shahid", "Faisal", "Zubair"],
        ["Ayesha", "Fatima", "Priya", "Nusrat"],
        ["Khan", "Ahmed", "Ali", "Hussain", "Shah", "Malik", "Iqbal", "Butt", "Chaudhry", "Akhtar",
         "Singh", "Patel", "Sharma", "Kumar", "Rahman", "Begum", "Islam", "Hossain"],
    ),
    "arabic": (
        ["Ahmed", "Mohammed", "Ali", "Hassan", "Hussein", "Omar", "Mustafa", "Karim", "Yousef",
         "Ibrahim", "Khalid", "Abdullah", "Samir", "Tarek", "Walid", "Zaid"],
        ["Fatima", "Mariam", "Noor", "Layla"],
        ["Al-Jaberi", "Hassan", "Abdullah", "Al-Tamimi", "Mahmoud", "Saleh", "Rashid", "Al-Obaidi",
         "Salim", "Haddad", "Nasser", "Aziz", "Yousef", "El-Sayed", "Ben Ali", "Mansour"],
    ),
    "somali": (
        ["Abdi", "Abdirahman", "Mohamed", "Ahmed", "Hassan", "Ali", "Omar", "Yusuf", "Abdullahi",
         "Said", "Mahad", "Farah"],
        ["Hodan", "Amina", "Sahra", "Fadumo"],
        ["Mohamed", "Ali", "Hassan", "Abdi", "Warsame", "Farah", "Osman", "Jama", "Hersi", "Aden",
         "Ismail", "Nur", "Egal", "Dahir"],
    ),
    "lusophone": (
        ["Joao", "Jose", "Antonio", "Manuel", "Carlos", "Paulo", "Pedro", "Rui", "Nuno", "Tiago",
         "Bruno", "Ricardo", "Luis", "Miguel"],
        ["Ana", "Maria", "Sofia", "Ines"],
        ["Silva", "Santos", "Ferreira", "Pereira", "Oliveira", "Costa", "Rodrigues", "Martins",
         "Sousa", "Fernandes", "Goncalves", "Gomes", "Lopes", "Marques", "Almeida", "Ribeiro"],
    ),
    "romanian": (
        ["Andrei", "Alexandru", "Ionut", "Florin", "Marius", "Cristian", "Gheorghe", "Mihai",
         "Adrian", "Bogdan", "Catalin", "Vasile"],
        ["Ioana", "Elena", "Andreea"],
        ["Popescu", "Ionescu", "Popa", "Dumitru", "Stan", "Stoica", "Gheorghe", "Rusu", "Munteanu",
         "Matei", "Constantin", "Serban", "Lungu"],
    ),
    "baltic": (
        ["Tomas", "Mindaugas", "Darius", "Andrius", "Janis", "Martins", "Rolands", "Edgars",
         "Vytautas", "Aivars", "Kaspars"],
        ["Ieva", "Laura", "Inga"],
        ["Kazlauskas", "Jankauskas", "Petrauskas", "Stankevicius", "Berzins", "Kalnins", "Ozols",
         "Liepins", "Vasiliauskas", "Zukauskas", "Tamm", "Saar"],
    ),
    "afghan": (
        ["Ahmad", "Mohammad", "Abdul", "Hamid", "Rahim", "Najib", "Wahid", "Farid", "Jawad",
         "Sharif", "Habib", "Noor"],
        ["Zahra", "Parwana", "Mina"],
        ["Ahmadi", "Rahimi", "Popal", "Karimi", "Noori", "Safi", "Hakimi", "Stanikzai", "Sultani",
         "Mohammadi", "Haidari", "Wardak"],
    ),
    "persian": (
        ["Reza", "Ali", "Amir", "Hossein", "Mehdi", "Saeed", "Hamid", "Babak", "Dariush", "Kaveh",
         "Behrouz", "Arash"],
        ["Maryam", "Shirin", "Leila"],
        ["Hosseini", "Mohammadi", "Rezaei", "Ahmadi", "Karimi", "Jafari", "Rahimi", "Moradi",
         "Sadeghi", "Ebrahimi", "Tehrani", "Kazemi"],
    ),
    "horn": (
        ["Yonas", "Tesfaye", "Dawit", "Berhane", "Mebrahtu", "Samuel", "Filmon", "Habtom",
         "Abel", "Yohannes", "Girma", "Tekle"],
        ["Helen", "Selam", "Meron"],
        ["Tesfay", "Gebremedhin", "Haile", "Kidane", "Tekle", "Mengistu", "Abraha", "Weldemariam",
         "Ghebreyesus", "Bekele", "Alemu", "Desta"],
    ),
    "west_african": (
        ["Kwame", "Kofi", "Kwabena", "Yaw", "Ibrahim", "Mohamed", "Lamin", "Ousman", "Abdoulaye",
         "Moussa", "Alhaji", "Emmanuel", "Samuel", "Francis"],
        ["Ama", "Akosua", "Fatou", "Mariama"],
        ["Mensah", "Owusu", "Boateng", "Asante", "Osei", "Kamara", "Conteh", "Sesay", "Jallow",
         "Ceesay", "Bah", "Diallo", "Toure", "Kargbo", "Koroma"],
    ),
    "east_african": (
        ["Joseph", "Peter", "John", "David", "Brian", "Dennis", "Moses", "Patrick", "Godfrey",
         "Ronald", "Emmanuel", "Isaac"],
        ["Grace", "Faith", "Mercy"],
        ["Otieno", "Odhiambo", "Mwangi", "Kamau", "Ochieng", "Wanjiru", "Mugisha", "Okello",
         "Banda", "Phiri", "Mwale", "Niyonzima", "Habimana", "Kariuki"],
    ),
    "central_african": (
        ["Jean", "Patrick", "Christian", "Serge", "Eric", "Didier", "Olivier", "Alain", "Junior",
         "Blaise", "Cedric"],
        ["Marie", "Esther", "Nadine"],
        ["Kabila", "Tshibanda", "Mbuyi", "Kasongo", "Ilunga", "Mukendi", "Ngoma", "Mbala",
         "Nkounkou", "Fotso", "Kamga", "Ndongo"],
    ),
    "chinese": (
        ["Wei", "Jun", "Hao", "Lei", "Jian", "Ming", "Qiang", "Tao", "Bin", "Yong", "Chen", "Kai"],
        ["Li Na", "Mei", "Xiu Ying"],
        ["Wang", "Li", "Zhang", "Liu", "Chen", "Yang", "Huang", "Zhao", "Wu", "Zhou", "Lin", "Tan",
         "Lim", "Ong"],
    ),
    "turkish": (
        ["Mehmet", "Mustafa", "Ahmet", "Ali", "Huseyin", "Hasan", "Ibrahim", "Murat", "Emre",
         "Serkan", "Burak", "Kemal"],
        ["Ayse", "Fatma", "Elif"],
        ["Yilmaz", "Kaya", "Demir", "Sahin", "Celik", "Yildiz", "Aydin", "Ozturk", "Arslan",
         "Dogan", "Kilic", "Aslan"],
    ),
    "slavic": (
        ["Ivan", "Dmitri", "Sergei", "Oleksandr", "Vladimir", "Nikolai", "Georgi", "Milan",
         "Stefan", "Marko", "Petr", "Jan", "Lukas", "Giorgi", "Nikola", "Dusan"],
        ["Olga", "Natalia", "Irina", "Svetlana"],
        ["Ivanov", "Petrov", "Smirnov", "Kovalenko", "Shevchenko", "Bondarenko", "Horvat", "Novak",
         "Dimitrov", "Georgiev", "Jovanovic", "Petrovic", "Nikolic", "Svoboda", "Dvorak",
         "Beridze", "Kapanadze"],
    ),
    "hungarian": (
        ["Laszlo", "Istvan", "Zoltan", "Gabor", "Attila", "Tamas", "Balazs", "Peter", "Sandor"],
        ["Eva", "Katalin"],
        ["Nagy", "Kovacs", "Toth", "Szabo", "Horvath", "Varga", "Kiss", "Molnar", "Nemeth", "Farkas"],
    ),
    "hispanic": (
        ["Juan", "Carlos", "Jose", "Luis", "Miguel", "Javier", "Diego", "Andres", "Alejandro",
         "Fernando", "Jorge", "Pablo"],
        ["Maria", "Carmen", "Lucia"],
        ["Garcia", "Rodriguez", "Martinez", "Lopez", "Gonzalez", "Hernandez", "Perez", "Sanchez",
         "Ramirez", "Torres", "Flores", "Gomez", "Diaz", "Moreno"],
    ),
    "italian": (
        ["Marco", "Giuseppe", "Luca", "Francesco", "Alessandro", "Andrea", "Matteo", "Davide"],
        ["Giulia", "Francesca"],
        ["Rossi", "Russo", "Ferrari", "Esposito", "Bianchi", "Romano", "Colombo", "Ricci", "Greco"],
    ),
    "french": (
        ["Jean", "Pierre", "Nicolas", "Julien", "Thomas", "Mathieu", "Sebastien", "Antoine"],
        ["Marie", "Camille"],
        ["Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Moreau"],
    ),
    "german": (
        ["Thomas", "Michael", "Stefan", "Andreas", "Daniel", "Jan", "Pieter", "Sven", "Lars"],
        ["Anna", "Sanne"],
        ["Muller", "Schmidt", "Schneider", "Fischer", "Weber", "de Jong", "Jansen", "de Vries",
         "Bakker", "Visser"],
    ),
    "anglo": (
        ["John", "James", "Michael", "David", "Daniel", "Patrick", "Sean", "Christopher", "Mark",
         "Paul", "Ryan", "Thomas"],
        ["Sarah", "Emma", "Siobhan"],
        ["Smith", "Murphy", "Kelly", "O'Brien", "Walsh", "Byrne", "Johnson", "Miller", "Taylor",
         "Wilson", "van der Merwe", "Botha", "O'Connor"],
    ),
    "filipino": (
        ["Jose", "Mark", "John Paul", "Rodel", "Ramon", "Jomar", "Christian"],
        ["Maricel", "Rowena"],
        ["Santos", "Reyes", "Cruz", "Bautista", "Ocampo", "Garcia", "Mendoza", "Villanueva"],
    ),
    "thai": (
        ["Somchai", "Somsak", "Anan", "Kittisak", "Prasert", "Wichai"],
        ["Siriporn", "Malee"],
        ["Saetang", "Srisuk", "Wongsawat", "Chaiyaporn", "Boonmee", "Kaewkla"],
    ),
    "greek": (
        ["Georgios", "Dimitrios", "Konstantinos", "Ioannis", "Nikolaos", "Christos", "Andreas"],
        ["Maria", "Eleni"],
        ["Papadopoulos", "Georgiou", "Nikolaou", "Christodoulou", "Konstantinou", "Ioannou"],
    ),
}
