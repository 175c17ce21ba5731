"""Reference data every deployment needs (brief operations.md §1, §3, §6): business sectors and
which are in the sector plan (003 §5.31), the police forces of England, Wales, Scotland and
Northern Ireland with the number for their intelligence unit, the ICE authorisation queue, and the
pre-defined interview questions (003 §1.12). Constants are copied here: migrations never import
app code."""

from django.db import migrations
from django.utils import timezone

PLAN_NOTE = "Sector-based action plan, April 2023 (003 §5.31)"
# (key, name, in the sector plan)
SECTORS = [
    ("restaurants", "Restaurants and takeaways", True),
    ("construction", "Construction", True),
    ("care", "Health and social care", True),
    ("agriculture", "Agriculture and food processing", True),
    ("warehousing", "Warehousing, logistics and delivery", True),
    ("nail-bars", "Nail bars and beauty salons", False),
    ("car-washes", "Car washes", False),
    ("convenience-stores", "Convenience stores and off-licences", False),
    ("barbers", "Barbers and hairdressers", False),
    ("hotels", "Hotels and hospitality", False),
    ("manufacturing", "Factories and manufacturing", False),
    ("cleaning", "Cleaning and facilities", False),
    ("security", "Private security", False),
    ("retail", "Other retail", False),
    ("other", "Other", False),
]
# Forces answer notifications through their force intelligence bureau; 101 is the police
# non-emergency number in every UK nation (ask for the intelligence unit).
PHONE = "101"
POLICE_FORCES = [
    ("avon-and-somerset", "Avon and Somerset Constabulary"),
    ("bedfordshire", "Bedfordshire Police"),
    ("cambridgeshire", "Cambridgeshire Constabulary"),
    ("cheshire", "Cheshire Constabulary"),
    ("city-of-london", "City of London Police"),
    ("cleveland", "Cleveland Police"),
    ("cumbria", "Cumbria Constabulary"),
    ("derbyshire", "Derbyshire Constabulary"),
    ("devon-and-cornwall", "Devon and Cornwall Police"),
    ("dorset", "Dorset Police"),
    ("durham", "Durham Constabulary"),
    ("essex", "Essex Police"),
    ("gloucestershire", "Gloucestershire Constabulary"),
    ("greater-manchester", "Greater Manchester Police"),
    ("hampshire", "Hampshire and Isle of Wight Constabulary"),
    ("hertfordshire", "Hertfordshire Constabulary"),
    ("humberside", "Humberside Police"),
    ("kent", "Kent Police"),
    ("lancashire", "Lancashire Constabulary"),
    ("leicestershire", "Leicestershire Police"),
    ("lincolnshire", "Lincolnshire Police"),
    ("merseyside", "Merseyside Police"),
    ("met", "Metropolitan Police Service"),
    ("norfolk", "Norfolk Constabulary"),
    ("north-yorkshire", "North Yorkshire Police"),
    ("northamptonshire", "Northamptonshire Police"),
    ("northumbria", "Northumbria Police"),
    ("nottinghamshire", "Nottinghamshire Police"),
    ("south-yorkshire", "South Yorkshire Police"),
    ("staffordshire", "Staffordshire Police"),
    ("suffolk", "Suffolk Constabulary"),
    ("surrey", "Surrey Police"),
    ("sussex", "Sussex Police"),
    ("thames-valley", "Thames Valley Police"),
    ("warwickshire", "Warwickshire Police"),
    ("west-mercia", "West Mercia Police"),
    ("west-midlands", "West Midlands Police"),
    ("west-yorkshire", "West Yorkshire Police"),
    ("wiltshire", "Wiltshire Police"),
    ("dyfed-powys", "Dyfed-Powys Police"),
    ("gwent", "Gwent Police"),
    ("north-wales", "North Wales Police"),
    ("south-wales", "South Wales Police"),
    ("police-scotland", "Police Scotland"),
    ("psni", "Police Service of Northern Ireland"),
]
ICE_TEAM = ("ice-central-london", "ICE Central London", "Immigration Compliance and Enforcement")
QUEUE = (
    "ops-authorisation",
    "Enforcement visits: awaiting authorisation",
    "Visits whose plan is ready for an authorising officer (HEO green, SEO amber, G7 red)",
)
QUESTIONS = [
    "What is your full name?",
    "What is your date of birth?",
    "What is your nationality?",
    "How long have you worked here?",
    "Who employs you, and who pays you?",
    "How much are you paid, and how (cash, bank transfer)?",
    "How many hours a week do you work?",
    "Did your employer check your right to work? What documents did you show?",
    "Where do you live? Does your employer provide your accommodation?",
    "Do you owe anyone money for travel, accommodation or finding this job?",
    "Are you free to leave this job if you want to?",
    "Is anyone holding your passport or identity documents?",
]


def seed(apps, schema_editor):
    Sector = apps.get_model("operations", "Sector")
    PoliceForce = apps.get_model("operations", "PoliceForce")
    Team = apps.get_model("accounts", "Team")
    Queue = apps.get_model("work", "Queue")
    InterviewQuestion = apps.get_model("operations", "InterviewQuestion")
    for key, name, in_plan in SECTORS:
        Sector.objects.get_or_create(
            key=key,
            defaults={
                "name": name,
                "in_sector_plan": in_plan,
                "plan_note": PLAN_NOTE if in_plan else "",
            },
        )
    for code, name in POLICE_FORCES:
        PoliceForce.objects.get_or_create(
            code=code, defaults={"name": name, "intelligence_unit_phone": PHONE}
        )
    slug, name, unit = ICE_TEAM
    team = (
        Team.objects.filter(slug=slug).first()
        or Team.objects.filter(name=name).first()
        or Team.objects.create(slug=slug, name=name, unit=unit)
    )
    queue_slug, queue_name, description = QUEUE
    Queue.objects.get_or_create(
        slug=queue_slug, defaults={"name": queue_name, "team": team, "description": description}
    )
    now = timezone.now()
    for text in QUESTIONS:
        if not InterviewQuestion.objects.filter(text=text, predefined=True).exists():
            InterviewQuestion.objects.create(text=text, predefined=True, created_at=now)


class Migration(migrations.Migration):
    dependencies = [
        ("operations", "0001_initial"),
        ("work", "0001_initial"),
        ("accounts", "0001_initial"),
    ]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
