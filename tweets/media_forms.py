"""The media part of the compose form: which files each post shows, their alt text, captions or the reason
for none, read from a request (files uploaded now are checked and stored at once, so a page shown again with
errors keeps them), or from a draft's current revision.

Field names, for post i and file id F: media_i (the files kept, in order), upload_i (new files), alt_F,
captions_F (a new SRT file), captions_id_F (the one kept), no_captions_F, remove_F.
"""

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError

from tweets.media import (
    MAX_IMAGES,
    Attachment,
    alt_text_problems,
    combination_errors,
    media_store,
    network_file_errors,
    revision_media,
    usable_files,
)
from tweets.media_models import MediaFile

MAX_UPLOADS_AT_ONCE = 4
LIMIT_FIELD = 1000  # characters kept of the reason for no captions (alt text is checked against X's 1,000)


@dataclass
class Slot:
    """One file in one post of the form."""

    file: MediaFile
    alt_text: str = ""
    captions: MediaFile | None = None
    no_captions_reason: str = ""
    errors: list[str] = field(default_factory=list)
    hints: list[str] = field(default_factory=list)

    @property
    def attachment(self) -> Attachment:
        if self.file.is_visual:
            return Attachment(self.file.pk, alt_text=self.alt_text.strip())
        return Attachment(
            self.file.pk,
            captions_id=self.captions.pk if self.captions else None,
            no_captions_reason=self.no_captions_reason.strip(),
        )


@dataclass
class MediaForm:
    posts: list[list[Slot]] = field(default_factory=list)
    post_errors: dict[int, list[str]] = field(default_factory=dict)

    def slots(self, index: int) -> list[Slot]:
        return self.posts[index] if index < len(self.posts) else []

    def attachments(self) -> list[list[Attachment]]:
        return [[slot.attachment for slot in slots] for slots in self.posts]

    def preview_items(self) -> list:
        return [[(slot.file, slot.attachment, slot.captions) for slot in slots] for slots in self.posts]

    @property
    def errors(self) -> list[tuple[str, str]]:
        """(anchor, message) of every problem, for the error summary."""
        found = []
        for index, slots in enumerate(self.posts):
            found += [(f"upload_{index}", message) for message in self.post_errors.get(index, [])]
            for slot in slots:
                anchor = f"alt_{slot.file.pk}" if slot.file.is_visual else f"no_captions_{slot.file.pk}"
                found += [(anchor, message) for message in slot.errors]
        for index, messages in self.post_errors.items():
            if index >= len(self.posts):
                found += [(f"upload_{index}", message) for message in messages]
        return found

    def advise(self, *, network: str | None = None) -> None:
        """The alt-text hints alone, and what the account's network will not take (for a page shown again before
        saving: files just attached have no alt text yet)."""
        for slots in self.posts:
            for slot in slots:
                slot.errors += network_file_errors(slot.file, network)
                if slot.file.is_visual and slot.alt_text.strip():
                    slot.hints = alt_text_problems(slot.alt_text, slot.file.original_name or "the image")[1]

    def check(self, *, network: str | None = None) -> bool:
        """Apply the alt-text, captions and per-post rules (tweets.media) to each file, by the account's network
        (X's unless said); True when all is well."""
        for index, slots in enumerate(self.posts):
            for slot in slots:
                slot.errors += network_file_errors(slot.file, network)
                if slot.file.is_visual:
                    errors, hints = alt_text_problems(
                        slot.alt_text, slot.file.original_name or "the image", network=network
                    )
                    slot.errors += errors
                    slot.hints = hints
                elif slot.captions is None and not slot.no_captions_reason.strip():
                    slot.errors.append(
                        f"Add captions (an SRT file) to {slot.file.original_name or 'the video'}, or say why it "
                        "has none."
                    )
            combination = combination_errors([slot.file.kind for slot in slots])
            if combination:
                self.post_errors.setdefault(index, []).extend(combination)
        return not self.errors


def _text(data, name: str) -> str:
    value = data.get(name, "")
    return value.replace("\x00", "")[: LIMIT_FIELD * 2] if isinstance(value, str) else ""


def from_request(request, *, posts: int, draft=None) -> MediaForm:
    """The form's media: the files kept (only the person's own, or this draft's), without those removed, then
    the files uploaded now (checked and stored; a refused one becomes an error on its post)."""
    data, files = request.POST, request.FILES
    kept_ids = {index: data.getlist(f"media_{index}") for index in range(posts)}
    wanted = {i for ids in kept_ids.values() for i in ids}
    wanted |= {data.get(f"captions_id_{i}") for i in wanted if (str(i).isascii() and str(i).isdigit())}
    usable = usable_files(request.user, {i for i in wanted if i}, draft=draft)
    form = MediaForm()
    for index in range(posts):
        slots, seen = [], set()
        for raw in kept_ids[index]:
            file = usable.get(int(raw)) if (str(raw).isascii() and str(raw).isdigit()) and len(raw) < 12 else None
            if file is None or file.pk in seen or file.kind == MediaFile.Kind.CAPTIONS or data.get(f"remove_{raw}"):
                continue
            seen.add(file.pk)
            slots.append(_slot(request, file, usable))
        uploads = files.getlist(f"upload_{index}")
        if len(uploads) > MAX_UPLOADS_AT_ONCE:
            form.post_errors.setdefault(index, []).append(
                f"Attach up to {MAX_IMAGES} files to a post; you chose {len(uploads)}."
            )
            uploads = []
        for upload in uploads:
            try:
                file = media_store(upload=upload, by=request.user)
            except ValidationError as exc:
                form.post_errors.setdefault(index, []).extend(exc.messages)
                continue
            slots.append(Slot(file))
        form.posts.append(slots)
    while form.posts and not form.posts[-1]:
        form.posts.pop()
    return form


def _slot(request, file: MediaFile, usable: dict[int, MediaFile]) -> Slot:
    data = request.POST
    slot = Slot(file, alt_text=_text(data, f"alt_{file.pk}"), no_captions_reason=_text(data, f"no_captions_{file.pk}"))
    if file.kind != MediaFile.Kind.VIDEO:
        return slot
    new_captions = request.FILES.get(f"captions_{file.pk}")
    if new_captions is not None:
        try:
            slot.captions = media_store(upload=new_captions, by=request.user, captions=True)
        except ValidationError as exc:
            slot.errors.extend(exc.messages)
    else:
        kept = data.get(f"captions_id_{file.pk}", "")
        captions = usable.get(int(kept)) if (kept.isascii() and kept.isdigit()) and len(kept) < 12 else None
        slot.captions = captions if captions is not None and captions.kind == MediaFile.Kind.CAPTIONS else None
    return slot


def from_draft(draft) -> MediaForm:
    """The media of the draft's current revision, as the form shows them."""
    return MediaForm(
        posts=[
            [Slot(row.media, row.alt_text, row.captions, row.no_captions_reason) for row in rows]
            for rows in revision_media(draft.current_revision)
        ]
    )
