"""Run by .ci/prod_smoke.py through ``manage.py shell`` with production settings: one user with a
confirmed authenticator app and a national role, one person, one task in a queue. Prints JSON."""

import json
import secrets

from django.contrib.auth.models import Group
from django_otp.plugins.otp_totp.models import TOTPDevice

from waymark.accounts.models import Grade, User
from waymark.people import services as people
from waymark.work import services as work
from waymark.work.models import Queue

queue = Queue.objects.select_related("team").order_by("slug").first()
password = secrets.token_urlsafe(18)
user = User.objects.create_user(username="smoke.officer", password=password, first_name="Smoke",
                                last_name="Officer", grade=Grade.HEO, is_staff=True)
user.teams.add(queue.team)
user.groups.add(Group.objects.get(name="field_officer"))
user.groups.add(Group.objects.get(name="line_manager"))
key = secrets.token_hex(20)
TOTPDevice.objects.create(user=user, name="Authenticator app", key=key, confirmed=True)
user = User.objects.get(pk=user.pk)  # fresh permission cache
person = people.person_create(actor=user, given_names="Sample", family_name="Smoketest",
                              owning_team=queue.team)
task = work.task_create(actor=user, task_type="general.follow_up", title="Smoke test follow up",
                        person=person, queue=queue)
print(json.dumps({"username": user.username, "password": password, "totp_key": key,
                  "person": person.pk, "queue": queue.slug, "task": task.pk}))
