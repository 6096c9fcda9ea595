from django.apps import AppConfig


class WorkflowConfig(AppConfig):
    """The workflow core: abstract event rows and the versioned-update messages (no tables)."""

    name = "kefu.workflow"
    label = "workflow"
