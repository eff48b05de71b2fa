"""A draft's media files, sent to the people who may see the draft (or to whoever uploaded a file not yet
attached): never from a public URL, since drafts are private to their teams until published."""

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse

from tweets import selectors
from tweets.media import srt_to_vtt
from tweets.media_models import MediaFile


@login_required
def media_file(request: HttpRequest, pk: int) -> HttpResponse:
    file = MediaFile.objects.filter(pk=pk).first()
    if file is None:
        raise Http404("No such file.")
    mine = file.uploaded_by_id == request.user.pk and file.draft_id is None
    if not mine and (
        file.draft_id is None or not selectors.drafts_for_user(request.user).filter(pk=file.draft_id).exists()
    ):
        raise Http404("No such file.")
    try:
        handle = file.file.open("rb")
    except (FileNotFoundError, OSError) as exc:
        raise Http404("The file is no longer stored.") from exc
    if file.kind == MediaFile.Kind.CAPTIONS and request.GET.get("format") == "vtt":
        with handle:
            return HttpResponse(srt_to_vtt(handle.read().decode("utf-8")), content_type="text/vtt; charset=utf-8")
    response = FileResponse(handle, content_type=file.mime_type)
    response["Content-Disposition"] = "inline"
    response["Cache-Control"] = "private, max-age=3600"
    return response
