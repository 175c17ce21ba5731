from waymark.linkage import bulk_urls, import_urls, review_urls

app_name = "linkage"

urlpatterns = [*review_urls.urlpatterns, *import_urls.urlpatterns, *bulk_urls.urlpatterns]
