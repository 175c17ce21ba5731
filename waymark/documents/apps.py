from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    name = "waymark.documents"
    label = "documents"
    verbose_name = "Documents and letters"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        try:
            from waymark.people.tabs import PersonTab, register_person_tab, registered_tabs
        except ImportError:  # the person page has no tabs yet
            return
        # The people app ships its own "Documents" tab (people:documents, built on our
        # selectors); add ours only if it does not.
        if all(tab.key != "documents" for tab in registered_tabs()):
            register_person_tab(
                PersonTab(
                    "documents",
                    "Documents",
                    "documents:person-documents",
                    "documents.view_document",
                    40,
                )
            )
