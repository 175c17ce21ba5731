"""API representations of people. Restricted data (protected characteristics) is never included."""

from __future__ import annotations

from django.core.exceptions import ObjectDoesNotExist
from rest_framework import serializers

from waymark.accounts.models import Team
from waymark.people.countries import is_valid_country
from waymark.people.models import Person, ReferenceType, Sex, TimelineEvent


class ReferenceSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=ReferenceType.choices)
    value = serializers.CharField(max_length=100, trim_whitespace=True)


class PersonSerializer(serializers.ModelSerializer):
    nationalities = serializers.SerializerMethodField()
    references = serializers.SerializerMethodField()
    aliases = serializers.SerializerMethodField()
    # Null while the record has no owner (ownership_state unclear): declared so the schema says so.
    owning_team = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)
    case_owner = serializers.SlugRelatedField(
        slug_field="username",
        read_only=True,
        allow_null=True,
        help_text="The case owner's username, if any",
    )

    class Meta:
        model = Person
        fields = [
            "id",
            "reference",
            "record_status",
            "given_names",
            "family_name",
            "date_of_birth",
            "sex",
            "nationalities",
            "references",
            "aliases",
            "main_language",
            "interpreter_needed",
            "no_fixed_abode",
            "harm_level",
            "vulnerability_assessment",
            "ownership_state",
            "owning_team",
            "case_owner",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_nationalities(self, person: Person) -> list[str]:
        return [n.country for n in person.nationalities.all()]

    def get_references(self, person: Person) -> list[dict[str, str]]:
        return [{"type": r.reference_type, "value": r.value} for r in person.references.all()]

    def get_aliases(self, person: Person) -> list[dict[str, str]]:
        return [
            {"given_names": n.given_names, "family_name": n.family_name, "name_type": n.name_type}
            for n in person.names.all()
            if n.name_type != "primary"
        ]


class PersonSearchResultSerializer(serializers.Serializer):
    person = PersonSerializer()
    score = serializers.FloatField()
    matched_on = serializers.CharField()
    matched_name = serializers.CharField()


class OwnTeamField(serializers.SlugRelatedField):
    """A team slug, accepted only for one of the caller's own active teams: the rule of the web form
    (``people.forms.PersonCreateForm`` offers only the user's teams). Needs ``context["user"]``."""

    default_error_messages = {
        "does_not_exist": "{value} is not one of your teams: name one of your own teams, or send null "
        "if ownership is unclear.",
        "invalid": "Enter a team's slug.",
    }

    def get_queryset(self):
        return super().get_queryset().filter(pk__in=self.context["user"].teams.values("pk"))

    def to_internal_value(self, data):
        try:
            return self.get_queryset().get(**{self.slug_field: data})
        except (ObjectDoesNotExist, TypeError, ValueError):
            self.fail("does_not_exist", slug_name=self.slug_field, value=str(data)[:60])


class PersonCreateSerializer(serializers.Serializer):
    given_names = serializers.CharField(max_length=200)
    family_name = serializers.CharField(max_length=200)
    date_of_birth = serializers.DateField(required=False, allow_null=True)
    sex = serializers.ChoiceField(choices=Sex.choices, default=Sex.NOT_RECORDED)
    nationalities = serializers.ListField(
        child=serializers.CharField(max_length=3), required=False, max_length=10, default=list
    )
    references = ReferenceSerializer(many=True, required=False, default=list, max_length=20)
    owning_team = OwnTeamField(
        slug_field="slug",
        queryset=Team.objects.filter(is_active=True),
        required=False,
        allow_null=True,
        help_text="One of your own active teams (the same rule as the page), or "
        "null when nobody has taken the case yet (ownership unclear).",
    )

    def validate_nationalities(self, value: list[str]) -> list[str]:
        codes = [c.strip().upper() for c in value]
        bad = [c for c in codes if not is_valid_country(c)]
        if bad:
            raise serializers.ValidationError(
                f"Not ISO 3166-1 alpha-3 country codes: {', '.join(bad)}"
            )
        return codes


class PersonSearchQuerySerializer(serializers.Serializer):
    q = serializers.CharField(required=False, allow_blank=True, max_length=200)
    reference = serializers.CharField(required=False, allow_blank=True, max_length=100)
    date_of_birth = serializers.DateField(required=False)
    nationality = serializers.CharField(required=False, allow_blank=True, max_length=3)


class TimelineEventSerializer(serializers.ModelSerializer):
    actor = serializers.SlugRelatedField(
        slug_field="username",
        read_only=True,
        allow_null=True,
        help_text="Who did it; null for the system or a partner",
    )

    class Meta:
        model = TimelineEvent
        fields = [
            "id",
            "occurred_at",
            "recorded_at",
            "module",
            "event_type",
            "summary",
            "actor",
            "related_type",
            "related_id",
        ]
        read_only_fields = fields
