from django.urls import path

from waymark.work import views

app_name = "work"
urlpatterns = [
    path("", views.home, name="home"),
    path("work/get-next/", views.get_next, name="get-next"),
    path("work/my-work/export/", views.my_work_export, name="my-work-export"),
    path("work/queues/", views.queue_list, name="queues"),
    path("work/queues/<slug:slug>/", views.queue_detail, name="queue"),
    path("work/queues/<slug:slug>/allocate/", views.allocate, name="allocate"),
    path("work/queues/<slug:slug>/export/", views.queue_export, name="queue-export"),
    path("work/queues/<slug:slug>/bulk/", views.bulk_action, name="bulk-action"),
    path(
        "work/queues/<slug:slug>/saved-filters/",
        views.saved_filter_create,
        name="saved-filter-create",
    ),
    path(
        "work/saved-filters/<int:pk>/delete/", views.saved_filter_delete, name="saved-filter-delete"
    ),
    path("work/tasks/<int:pk>/", views.task_detail, name="task-detail"),
    path("work/tasks/<int:pk>/<slug:action>/", views.task_action, name="task-action"),
    path("work/workload/", views.workload, name="workload"),
    path("work/backlog/", views.backlog, name="backlog"),
]
