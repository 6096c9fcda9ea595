from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class QualityConfig(AppConfig):
    name = "kefu.quality"
    label = "quality"
    verbose_name = _("Quality inspection")

    def ready(self) -> None:
        from kefu.accounts.roles import Cap
        from kefu.jobs.registry import JobKind, register
        from kefu.learning.registry import ModelKind
        from kefu.learning.registry import register as register_model
        from kefu.quality import learning, rulebooks, tasks

        register(JobKind("quality-import", _("Import and score conversations"), tasks.import_job, Cap.QA_INSPECT))
        register(JobKind("quality-train-satisfaction", _("Retrain the satisfaction predictor"), learning.train_job,
                         Cap.QA_LEAD))
        register(JobKind("quality-predict", _("Predict satisfaction again with the active predictor"),
                         learning.predict_job, Cap.QA_LEAD))
        register(JobKind("quality-rescore", _("Re-score a period with the active rulebooks"), rulebooks.rescore_job,
                         Cap.QA_LEAD))
        register(JobKind("quality-calibrate", _("Calibrate rule points from reviewed scores"), rulebooks.calibrate_job,
                         Cap.QA_LEAD))
        register_model(ModelKind(learning.KIND, _("Satisfaction predictor"), Cap.QA_LEAD))
