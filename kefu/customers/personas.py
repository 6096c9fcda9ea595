"""Advice per observed customer type (norm persona.types), shown to whoever talks to the customer."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from kefu.customers.choices import Persona


@dataclass(frozen=True)
class PersonaAdvice:
    traits: Promise
    need: Promise
    do: Promise
    avoid: Promise
    talk: Promise


ADVICE: dict[str, PersonaAdvice] = {
    Persona.DOVE: PersonaAdvice(
        traits=_("Gentle, friendly, dislikes conflict and pressure."),
        need=_("Security and a good relationship."),
        do=_("Be warm and patient; reassure; explain step by step."),
        avoid=_("Do not push or hurry them into a decision."),
        talk=_("Soft tone, personal care: 'Don't worry, I will follow this for you.'"),
    ),
    Persona.PEACOCK: PersonaAdvice(
        traits=_("Expressive, sociable, likes attention and recognition."),
        need=_("To be noticed and appreciated."),
        do=_("Show enthusiasm, praise sincerely, let them talk."),
        avoid=_("Do not ignore them or bury them in details."),
        talk=_("Lively and positive; recognise their opinion before explaining."),
    ),
    Persona.TIGER: PersonaAdvice(
        traits=_("Direct, decisive, impatient, wants control."),
        need=_("Results and efficiency."),
        do=_("Get to the point, give options and let them choose, keep promises exactly."),
        avoid=_("Do not argue, hesitate or give long explanations."),
        talk=_("Brief and confident: conclusion first, then two options."),
    ),
    Persona.OWL: PersonaAdvice(
        traits=_("Analytical, careful, wants facts and precision."),
        need=_("Accuracy and evidence."),
        do=_("Give exact data, documents and the reasoning; be consistent."),
        avoid=_("Do not exaggerate or be vague."),
        talk=_("Calm and precise; cite the rule, the figures and the dates."),
    ),
}


def advice_for(persona: str) -> PersonaAdvice | None:
    return ADVICE.get(persona)
