"""`bench run`'s verdicts as ratios (issue 18, item 1): the rule, the ratio and the verdict of a result, computed
from given times (no timing is measured here)."""
import math

from bench.report import Result, markdown_table, table_rows, verdict
from bench.verdict import DUMP, FLOOR, REFERENCE, Rule, judge, p95_ok, ratio


def test_the_targets_of_the_issue():
    assert FLOOR.limit(4) == 17  # 3 × floor + 5 ms
    assert REFERENCE.limit(10) == 40  # 4 × the reference page
    assert DUMP.limit(2000) == 5000  # 2.5 × the bare dump
    assert FLOOR.text() == "≤ 3× floor + 5 ms"
    assert REFERENCE.text() == "≤ 4× reference"
    assert DUMP.text() == "≤ 2.5× dump"


def test_judge_on_both_sides_of_the_limit():
    assert judge(17.0, 4.0, FLOOR) is True  # on the limit passes
    assert judge(17.1, 4.0, FLOOR) is False
    assert judge(39.9, 10.0, REFERENCE) is True
    assert judge(40.1, 10.0, REFERENCE) is False
    assert judge(5001, 2000, DUMP) is False


def test_no_base_or_no_rule_is_information_not_a_verdict():
    assert judge(10.0, None, FLOOR) is None
    assert judge(10.0, math.nan, FLOOR) is None
    assert judge(10.0, 4.0, None) is None
    assert math.isnan(ratio(10.0, None)) and math.isnan(ratio(10.0, 0.0))
    assert ratio(12.0, 4.0) == 3.0


def test_p95_rule():
    assert p95_ok(10, 20) and not p95_ok(10, 20.5)
    # On an unsteady machine the base measured in the same moments shows it: no more spread than the base's passes.
    assert p95_ok(10, 30, base_spread=3.0) and not p95_ok(10, 30.5, base_spread=3.0)
    assert not p95_ok(10, 25, base_spread=1.2)  # a steady base: the page's own twice its median


def test_a_pages_spread_is_judged_against_its_bases_measured_with_it():
    times = [10.0] * 18 + [26.0, 27.0]  # p95 26 ms: more than twice the median
    assert page(times, 5.0, p95_rule=True, base_spread=1.5).passed is False
    assert page(times, 5.0, p95_rule=True, base_spread=2.8).passed is True


def page(times_ms, base_ms, rule=FLOOR, **kw):
    return Result("accounts list: first page", "dept", [t / 1000 for t in times_ms], None, rule=rule,
                  base_ms=base_ms, **kw)


def test_a_result_is_judged_by_its_ratio_whatever_the_machine():
    # The same code on a machine twice as slow: page and floor both double, the verdict stays.
    fast, slow = page([9.0] * 10, 3.0, p95_rule=True), page([18.0] * 10, 6.0, p95_rule=True)
    assert fast.ratio == slow.ratio == 3.0
    assert fast.passed is True and slow.passed is True
    # The old absolute target (20 ms) would have failed the slow machine; the ratio does not.
    assert page([30.0] * 10, 6.0).passed is False  # 30 > 3 × 6 + 5


def test_p95_over_twice_the_median_fails_a_page_under_its_ratio():
    times = [5.0] * 90 + [50.0] * 10
    assert page(times, 5.0, p95_rule=True).passed is False
    assert page(times, 5.0, p95_rule=False).passed is True


def test_errors_fail_and_checks_count():
    assert page([5.0], 5.0, error="HTTP 500").passed is False
    export = Result("full export", "dept", [3.0], None, rule=DUMP, base_ms=1500, checks=(("+4 MB", True),))
    assert export.passed is True
    export.checks = (("+140 MB", False),)
    assert export.passed is False
    info = Result("login", "dept", [0.07], None)
    assert info.passed is None and verdict(info) == "info"


def test_rows_show_time_base_ratio_target_and_verdict():
    rows = table_rows([page([12.0] * 3, 4.0, p95_rule=True), Result("bulk", "dept", [0.4], None)])
    assert rows[0][3:9] == ["12.0", "12.0", "4.0", "3.00×", "≤ 3× floor + 5 ms, p95 ≤ 2×med or base's spread", "PASS"]
    assert rows[1][5:9] == ["—", "—", "—", "info"]
    table = markdown_table([page([12.0], 4.0)])
    assert "| base ms | ratio |" in table and "| 3.00× |" in table


def test_a_rule_of_ones_own():
    assert Rule("floor", 2, 1).limit(3) == 7
    assert judge(8, 3, Rule("floor", 2, 1)) is False
