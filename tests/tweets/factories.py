"""Drafts in any state, built directly (for tables of transitions); flows use the services instead."""

import factory
from django.utils import timezone

from tests.factories import TwitterAccountFactory, UserFactory
from tweets.models import Draft, DraftRevision, PublishingFreeze


class DraftFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Draft
        skip_postgeneration_save = True

    account = factory.SubFactory(TwitterAccountFactory)
    author = factory.SubFactory(UserFactory)
    state = Draft.State.DRAFT

    @factory.post_generation
    def text(obj, create, extracted, **kwargs):
        posts = (
            extracted if isinstance(extracted, list) else [extracted or f"A post from the department, number {obj.pk}."]
        )
        if create:
            obj.current_revision = DraftRevision.objects.create(
                draft=obj, number=1, posts=posts, created_by=obj.author, in_reply_to_post_id=obj.in_reply_to_post_id
            )
            obj.save(update_fields=["current_revision"])


class FreezeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PublishingFreeze

    scope = PublishingFreeze.Scope.EVERYTHING
    reason = "Pre-election period"
    started_by = factory.SubFactory(UserFactory)
    started_at = factory.LazyFunction(timezone.now)
