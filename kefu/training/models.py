"""Training records: papers, assignments, exam attempts and answers, sparring sessions, operator scenarios.

Every change is an event row (``kefu.workflow.events.EventRow``). Attempts and answers carry a
``version`` and change only by conditional updates in ``services``, so two browser tabs writing
the same attempt produce one winner per question and one submission.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kefu.workflow.events import EventRow


class Paper(models.Model):  # 试卷
    """An exam paper: how many questions to draw from each bank category, a time limit and a pass mark."""

    title = models.CharField(_("title"), max_length=80)
    description = models.TextField(_("description"), blank=True)
    quotas = models.JSONField(_("questions per category"), default=dict)  # {category: count}
    time_limit_minutes = models.PositiveSmallIntegerField(_("time limit (minutes)"), default=30)
    pass_mark = models.PositiveSmallIntegerField(_("pass mark (%)"), default=80)
    is_active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("exam paper")

    def __str__(self) -> str:
        return self.title

    @property
    def question_count(self) -> int:
        return sum(int(n) for n in self.quotas.values())


class PaperEvent(EventRow):
    paper = models.ForeignKey(Paper, on_delete=models.CASCADE, related_name="events")

    class Meta(EventRow.Meta):
        constraints = [models.UniqueConstraint(fields=["paper", "seq"], name="training_paper_event_seq")]


class Assignment(models.Model):  # 培训任务
    """A scenario to spar or a paper to sit, given to trainees (named, or a whole department) by a due date."""

    class Kind(models.TextChoices):
        PAPER = "paper", _("Exam")
        SCENARIO = "scenario", _("Sparring")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    paper = models.ForeignKey(Paper, null=True, blank=True, on_delete=models.PROTECT, related_name="assignments")
    scenario_id = models.CharField(_("scenario"), max_length=80, blank=True)
    scenario_title = models.CharField(_("scenario title"), max_length=120, blank=True)
    department = models.ForeignKey(
        "accounts.Department", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    trainees = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="training_assignments")
    due_at = models.DateTimeField(_("due"))
    note = models.CharField(_("note"), max_length=200, blank=True)
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        ordering = ["due_at", "pk"]
        verbose_name = _("training assignment")

    def __str__(self) -> str:
        return self.title

    @property
    def title(self) -> str:
        return self.paper.title if self.paper_id and self.paper else self.scenario_title


class AssignmentEvent(EventRow):
    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="events")

    class Meta(EventRow.Meta):
        constraints = [models.UniqueConstraint(fields=["assignment", "seq"], name="training_assignment_event_seq")]


class ExamAttempt(models.Model):  # 考试作答
    """One sitting of a paper: the questions drawn for it, a server-side deadline, the result."""

    class State(models.TextChoices):
        OPEN = "open", _("In progress")
        SUBMITTED = "submitted", _("Submitted")
        EXPIRED = "expired", _("Time up")

    paper = models.ForeignKey(Paper, on_delete=models.PROTECT, related_name="attempts")
    trainee = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="exam_attempts")
    assignment = models.ForeignKey(Assignment, null=True, blank=True, on_delete=models.SET_NULL, related_name="attempts")
    number = models.PositiveSmallIntegerField(_("attempt number"), default=1)
    item_ids = models.JSONField(default=list)
    seed = models.BigIntegerField(default=0)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.OPEN)
    version = models.PositiveIntegerField(default=1)
    started_at = models.DateTimeField(_("started"), default=timezone.now)
    deadline_at = models.DateTimeField(_("deadline"))
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    finished_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    score = models.DecimalField(_("score"), max_digits=5, decimal_places=1, null=True, blank=True)  # percent
    passed = models.BooleanField(_("passed"), null=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-started_at", "-pk"]
        verbose_name = _("exam attempt")
        constraints = [models.UniqueConstraint(fields=["paper", "trainee", "number"], name="training_attempt_number")]

    def __str__(self) -> str:
        return f"{self.paper} #{self.number}"

    def get_absolute_url(self) -> str:
        return reverse("training:attempt", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.state == self.State.OPEN


class Answer(models.Model):
    """The answer to one drawn question; created blank when the attempt starts, then written conditionally."""

    attempt = models.ForeignKey(ExamAttempt, on_delete=models.CASCADE, related_name="answers")
    item_id = models.CharField(max_length=80)
    position = models.PositiveSmallIntegerField()
    response = models.JSONField(null=True, blank=True)
    score = models.FloatField(default=0.0)
    correct = models.BooleanField(default=False)
    feedback = models.JSONField(default=list, blank=True)
    version = models.PositiveIntegerField(default=0)  # 0: not answered yet
    answered_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["attempt", "item_id"], name="training_answer_item"),
            models.UniqueConstraint(fields=["attempt", "position"], name="training_answer_position"),
        ]

    def __str__(self) -> str:
        return f"{self.attempt_id}:{self.position}"


class AttemptEvent(EventRow):
    attempt = models.ForeignKey(ExamAttempt, on_delete=models.CASCADE, related_name="events")

    class Meta(EventRow.Meta):
        constraints = [models.UniqueConstraint(fields=["attempt", "seq"], name="training_attempt_event_seq")]


class SparringSession(models.Model):  # 陪练
    """A conversation with a simulated customer; only the trainee's lines are stored, the customer's are
    replayed from the scenario and the seed (``Session.replay``)."""

    class State(models.TextChoices):
        ACTIVE = "active", _("In progress")
        ENDED = "ended", _("Ended")

    trainee = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="sparring_sessions")
    assignment = models.ForeignKey(Assignment, null=True, blank=True, on_delete=models.SET_NULL, related_name="sessions")
    scenario_id = models.CharField(_("scenario"), max_length=80)
    scenario_title = models.CharField(_("scenario title"), max_length=120, blank=True)
    seed = models.BigIntegerField(default=0)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.ACTIVE)
    outcome = models.CharField(_("outcome"), max_length=20, blank=True)
    end_reason = models.CharField(max_length=20, blank=True)
    version = models.PositiveIntegerField(default=1)
    time_limit_minutes = models.PositiveSmallIntegerField(default=15)
    started_at = models.DateTimeField(_("started"), default=timezone.now)
    last_turn_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)
    score = models.DecimalField(_("score"), max_digits=5, decimal_places=1, null=True, blank=True)
    passed = models.BooleanField(null=True)
    report = models.JSONField(default=dict, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-started_at", "-pk"]
        verbose_name = _("sparring session")

    def __str__(self) -> str:
        return self.scenario_title or self.scenario_id

    def get_absolute_url(self) -> str:
        return reverse("training:session", args=[self.pk])

    @property
    def outcome_label(self) -> str:
        """The outcome in Chinese, as the simulator names it (已解决, 客户挂机 …)."""
        try:
            from kefu.simulator import OUTCOMES
        except ImportError:
            return self.outcome
        return OUTCOMES.get(self.outcome, self.outcome)


class SparringTurn(models.Model):
    """One line the trainee typed; ``seq`` is unique, so two tabs cannot both add the same next line."""

    session = models.ForeignKey(SparringSession, on_delete=models.CASCADE, related_name="turns")
    seq = models.PositiveIntegerField()
    text = models.TextField()
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["seq"]
        constraints = [models.UniqueConstraint(fields=["session", "seq"], name="training_turn_seq")]

    def __str__(self) -> str:
        return self.text[:40]


class SessionEvent(EventRow):
    session = models.ForeignKey(SparringSession, on_delete=models.CASCADE, related_name="events")

    class Meta(EventRow.Meta):
        constraints = [models.UniqueConstraint(fields=["session", "seq"], name="training_session_event_seq")]


class OperatorScenario(models.Model):  # 自建陪练场景
    """A scenario written by a trainer (uploaded YAML, or drafted from a case-book complaint)."""

    class State(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")

    scenario_id = models.CharField(_("scenario id"), max_length=80, unique=True)
    title = models.CharField(_("title"), max_length=120)
    yaml = models.TextField(_("scenario (YAML)"))
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.DRAFT)
    source_complaint_id = models.PositiveIntegerField(null=True, blank=True)  # a loose link to complaints
    version = models.PositiveIntegerField(default=1)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-updated_at", "-pk"]
        verbose_name = _("operator scenario")

    def __str__(self) -> str:
        return self.title


class ScenarioEvent(EventRow):
    scenario = models.ForeignKey(OperatorScenario, on_delete=models.CASCADE, related_name="events")

    class Meta(EventRow.Meta):
        constraints = [models.UniqueConstraint(fields=["scenario", "seq"], name="training_scenario_event_seq")]
