from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from monitoring import services
from monitoring.access import (
    can_add_rules,
    can_change_rule,
    require_rule_adder,
    require_rule_change,
    rule_for_changing,
    rule_for_user,
    rules_for_user,
)
from monitoring.forms import RoutingRuleForm, RuleTestForm
from monitoring.preview import rule_test

# --- Routing rules ----------------------------------------------------------------------------------


@login_required
def rule_list(request: HttpRequest) -> HttpResponse:
    test_form = RuleTestForm(request.GET if "text" in request.GET else None)
    result = rule_test(**test_form.cleaned_data) if test_form.is_valid() else None
    rules = list(rules_for_user(request.user))
    for rule in rules:
        rule.can_change = can_change_rule(request.user, rule)
    return render(
        request,
        "monitoring/rule_list.html",
        {
            "rules": rules,
            "can_add": can_add_rules(request.user),
            "test_form": test_form,
            "result": result,
        },
    )


@login_required
def rule_create(request: HttpRequest) -> HttpResponse:
    require_rule_adder(request.user)
    form = RoutingRuleForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        rule = services.rule_create(by=request.user, request=request, **form.cleaned_data)
        messages.success(request, f"Rule “{rule.name}” added at the end of the list.")
        return redirect("monitoring:rule_list")
    return render(request, "monitoring/rule_form.html", {"form": form}, status=400 if form.is_bound else 200)


@login_required
def rule_edit(request: HttpRequest, pk: int) -> HttpResponse:
    rule = rule_for_user(request.user, pk)
    can_change = can_change_rule(request.user, rule)
    if request.method == "POST":
        require_rule_change(request.user, rule)
        form = RoutingRuleForm(request.POST, user=request.user, rule=rule)
        if form.is_valid():
            services.rule_update(by=request.user, rule=rule, request=request, **form.cleaned_data)
            messages.success(request, f"Rule “{form.cleaned_data['name']}” saved.")
            return redirect("monitoring:rule_list")
    else:
        form = RoutingRuleForm(instance=rule, user=request.user, rule=rule)
    test_form = RuleTestForm(request.GET if "text" in request.GET else None)
    result = rule_test(rule_id=rule.pk, **test_form.cleaned_data) if test_form.is_valid() else None
    return render(
        request,
        "monitoring/rule_form.html",
        {"form": form, "rule": rule, "can_change": can_change, "test_form": test_form, "result": result},
        status=400 if form.is_bound else 200,
    )


@login_required
@require_POST
def rule_move(request: HttpRequest, pk: int) -> HttpResponse:
    rule = rule_for_changing(request.user, pk)
    services.rule_move(by=request.user, rule=rule, direction=request.POST.get("direction", "up"), request=request)
    return redirect("monitoring:rule_list")


@login_required
@require_POST
def rule_delete(request: HttpRequest, pk: int) -> HttpResponse:
    rule = rule_for_changing(request.user, pk)
    services.rule_delete(by=request.user, rule=rule, request=request)
    messages.success(request, f"Rule “{rule.name}” deleted.")
    return redirect("monitoring:rule_list")
