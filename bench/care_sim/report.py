"""A readable table of one simulation's result (the ``--json`` output is the raw dict)."""

from __future__ import annotations

from typing import Any

from bench.care_sim.metrics import TIERS

BASELINES = ("caredesk", "fifo", "vip_first", "bound_first")


def _num(value: Any, suffix: str = "") -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:,.1f}{suffix}"
    return f"{value:,}{suffix}"


def render(result: dict[str, Any]) -> str:
    c = result["config"]
    care = result["care"]
    q = result["queue"]
    lines = [
        f"Care simulation: {simulated(result)}, profile {c['profile']}, seed {c['seed']}, "
        f"{c['agents']} agents + {c['leads']} leads + {c['managers']} manager(s), "
        f"absent share {c['absent_share']:.0%}, tick {c['tick_minutes']} min",
        f"{result['cases']:,} cases from {result['arrivals']:,} arrivals, "
        f"{result['requests']:,} requests in {result['wall_seconds']:,.1f} s "
        f"({result['cases_per_second']:,.1f} simulated cases/s; "
        f"{result['cpu_seconds']:,.1f} CPU s, {result['cases_per_cpu_second']:,.1f} cases per "
        "CPU s in this process, the database's own work not counted), load average "
        f"{result['load_average']}; refused requests: {result['refused_count']}",
        "",
        "First response (business minutes; p50 / p90) and cases beyond their tier bound",
        f"| {'tier':<9} | {'bound':>6} | {'caredesk':>17} | {'FIFO':>17} | {'VIP-first':>17} "
        f"| {'bound-first':>17} |",
        f"|{'-' * 11}|{'-' * 8}|{'-' * 19}|{'-' * 19}|{'-' * 19}|{'-' * 19}|",
    ]
    for tier in TIERS:
        cells = []
        for name in BASELINES:
            t = q[name]["tiers"][tier]
            cells.append(f"{_num(t['p50'])} / {_num(t['p90'])} ({t['beyond_bound']})")
        bound = q["caredesk"]["tiers"][tier]["bound_minutes"]
        lines.append(
            f"| {tier:<9} | {_num(bound):>6} | " + " | ".join(f"{x:>17}" for x in cells) + " |"
        )
    lines.append(
        f"| {'beyond':<9} | {'':>6} | "
        + " | ".join(f"{q[n]['beyond_bound']:>17,}" for n in BASELINES)
        + " |"
    )
    lines += [
        "",
        "Promises kept on time or honestly renegotiated: "
        f"{_num(care['kept_or_renegotiated_pct'], ' %')}"
        f" ({care['kept_on_time']:,} of {care['promises_due']:,} due; "
        f"{care['renegotiated']:,} renegotiated)",
        f"Missed promises where the customer was told: {_num(care['missed_told_pct'], ' %')}"
        f" ({care['missed_told']:,} of {care['missed']:,} missed; {care['kept_late']:,} kept late)",
        f"Approvals decided within their deadline: {_num(care['approvals_in_time_pct'], ' %')}"
        f" ({care['approvals_decided_in_time']:,} of {care['approvals']:,}; "
        f"{care['approvals_pending']:,} still pending)",
        f"Escalations: {care['escalations']:,} ({care['escalations_by_source']}); "
        f"by level {care['escalations_by_level']}; open at the end "
        f"{care['escalations_open_at_end']:,}",
        f"Escalated cases per lead per day: {care['lead_escalations_per_lead_day']}",
        f"Escalation items (a group of breaches is one): {care['escalation_items']:,}; "
        f"answered by a person {care['items_answered']:,}; escalated cases that closed "
        f"by themselves (reply or resolution) {care['closed_by_themselves']:,}",
        f"Escalation items per lead per day: {care['lead_items_per_lead_day']}; "
        f"escalation and breach notices per lead per day: {care['lead_notices_per_lead_day']}",
    ]
    lines += ["", "Issue 15's targets (met / missed / not measured):"]
    lines += [f"- {verdict}: {text}" for verdict, text in targets(result)]
    return "\n".join(lines)


def simulated(result: dict[str, Any]) -> str:
    """ "30 days", or "3 days 7 hours (of 30 days asked: stopped early)"."""
    asked = result["config"]["days"]
    hours = result.get("simulated_hours", asked * 24)
    if hours >= asked * 24:
        return f"{asked} days"
    done = f"{hours // 24} days" + (f" {hours % 24} hours" if hours % 24 else "")
    return f"{done} (of {asked} days asked: stopped early)"


MONTH_CASES = 7000
MONTH_SECONDS = 600


def _pct_target(value: float | None, floor: float) -> str:
    if value is None:
        return "n/a"
    return "met" if value >= floor else "missed"


def targets(result: dict[str, Any]) -> list[tuple[str, str]]:
    """Each of issue 15's targets against this run: (verdict, what was measured)."""
    care, q, c = result["care"], result["queue"], result["config"]
    kept = care["kept_or_renegotiated_pct"]
    told = care["missed_told_pct"]
    approvals = care["approvals_in_time_pct"]
    vip = q["caredesk"]["tiers"]["vip"]["p90"]
    std = q["caredesk"]["tiers"]["standard"]["p90"]
    fifo_vip = q["fifo"]["tiers"]["vip"]["p90"]
    if vip is None or std is None or fifo_vip is None:
        ratio_verdict, ratio_text = "n/a", "no first responses"
    else:
        ratio = std / vip if vip else float("inf")
        ok = ratio <= 1.25 and vip <= fifo_vip
        ratio_verdict = "met" if ok else "missed"
        ratio_text = (
            f"standard p90 {std:,.0f} = {ratio:.2f} x VIP p90 {vip:,.0f} (target <= 1.25 x); "
            f"VIP p90 {vip:,.0f} vs FIFO's {fifo_vip:,.0f} (target no worse)"
        )
    beyond = q["caredesk"]["beyond_bound"]
    best = min(q[n]["beyond_bound"] for n in ("fifo", "vip_first", "bound_first"))
    if result.get("simulated_hours", c["days"] * 24) >= 30 * 24:
        rate = result["cases_per_second"]
        month_verdict = "met" if result["wall_seconds"] <= MONTH_SECONDS else "missed"
        month_text = (
            f"{result['cases']:,} cases in {result['wall_seconds']:,.0f} s ({rate} cases/s; "
            f"target {MONTH_CASES:,} in <= {MONTH_SECONDS} s), load average "
            f"{result['load_average']}"
        )
    else:
        month_verdict = "not measured"
        month_text = (
            f"only {simulated(result)} simulated ({result['cases']:,} cases in "
            f"{result['wall_seconds']:,.0f} s, {result['cases_per_second']} cases/s at load "
            f"average {result['load_average']})"
        )
    return [
        (_pct_target(kept, 98.0), f"promises kept or honestly renegotiated {_num(kept, ' %')}"),
        (_pct_target(told, 100.0), f"missed promises the customer was told of {_num(told, ' %')}"),
        (ratio_verdict, ratio_text),
        (
            "met" if beyond == 0 else "missed",
            f"{beyond:,} cases beyond their tier bound (target 0; the fewest of the three "
            f"baselines with these people: {best:,})",
        ),
        (_pct_target(approvals, 95.0), f"approvals within deadline {_num(approvals, ' %')}"),
        (month_verdict, month_text),
    ]
