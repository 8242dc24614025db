"""What a PromQL expression refers to: metric names, label matchers, grouping labels.

Not a PromQL parser (promtool checks syntax); a lexical pass good enough to check that the
queries we ship only name metrics and labels modelgate exports. Every identifier left after
removing strings, matchers, ranges and grouping clauses must be a PromQL keyword or function,
or it is taken as a metric name: so an unknown word fails the check instead of slipping by.
"""
import re

PROMQL_WORDS = {
    # aggregations and their modifiers
    "sum", "min", "max", "avg", "count", "stddev", "stdvar", "topk", "bottomk", "quantile",
    "count_values", "group", "by", "without", "on", "ignoring", "group_left", "group_right",
    "and", "or", "unless", "bool", "offset",
    # functions used or likely to be used
    "rate", "irate", "increase", "delta", "idelta", "deriv", "resets", "changes",
    "min_over_time", "max_over_time", "avg_over_time", "sum_over_time", "count_over_time",
    "last_over_time", "present_over_time", "absent", "absent_over_time", "vector", "scalar",
    "label_replace", "label_join", "round", "abs", "clamp", "clamp_min", "clamp_max", "time",
    "timestamp", "histogram_quantile", "sort", "sort_desc", "ceil", "floor", "sgn",
}

# Labels whose values come from the user's config (names of routes, arms, backends, tensors...)
# or are computed (hashes): their values cannot be checked against the source.
CONFIG_VALUED_LABELS = {"route", "arm", "backend", "shadow", "tensor", "pair", "hash",
                        "generation", "version", "from_arm"}

_STRING = re.compile(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'|`[^`]*`')
_SELECTOR = re.compile(r'([a-zA-Z_:][a-zA-Z0-9_:]*)?\s*\{([^}]*)\}')
_MATCHER = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*"((?:[^"\\]|\\.)*)"')
_GROUPING = re.compile(r'\b(by|without|on|ignoring|group_left|group_right)\s*\(([^)]*)\)')
_IDENT = re.compile(r'[a-zA-Z_:][a-zA-Z0-9_:]*')


def selectors(expr):
    """[(metric name or None, [(label, op, value), ...]), ...] for every {...} in expr."""
    return [(m.group(1), _MATCHER.findall(m.group(2))) for m in _SELECTOR.finditer(expr)]


def grouping_labels(expr):
    """Label names in by/without/on/ignoring/group_* clauses."""
    labels = set()
    for m in _GROUPING.finditer(_STRING.sub('""', expr)):
        labels.update(x.strip() for x in m.group(2).split(",") if x.strip())
    return labels


def label_replace_targets(expr):
    """Labels created by label_replace(v, "dst", ...): not exported, made by the query."""
    return set(re.findall(r'label_replace\s*\([^"]*"([a-zA-Z_][a-zA-Z0-9_]*)"', expr,
                          flags=re.S))


def metric_names(expr):
    """Every identifier that is not a PromQL word, once strings, matchers, ranges, durations,
    numbers and grouping clauses are removed."""
    rest = _SELECTOR.sub(lambda m: " " + (m.group(1) or "") + " ", expr)
    rest = _STRING.sub(" ", rest)
    rest = re.sub(r"\[[^\]]*\]", " ", rest)
    rest = _GROUPING.sub(" ", rest)
    rest = re.sub(r"\b\d+(\.\d+)?([eE][-+]?\d+)?[smhdwy]?\b", " ", rest)
    return {w for w in _IDENT.findall(rest) if w not in PROMQL_WORDS}


def check_expr(where, expr, source_names, literals, live):
    """Problems with one expression: metrics modelgate does not export, label names it does
    not use, enumerated label values that appear nowhere in the source, and label names absent
    from a family's live series."""
    from exported_metrics import TARGET_LABELS, base_name
    problems = []
    names = metric_names(expr)
    if not names:
        problems.append(f"{where}: names no metric")
    for name in sorted(names):
        if base_name(name, source_names) not in source_names:
            problems.append(f"{where}: {name} is not a metric modelgate exports")
    made = label_replace_targets(expr)
    for name, matchers in selectors(expr):
        family = base_name(name, source_names) if name else None
        for label, op, value in matchers:
            if label == "__name__":
                continue
            if label not in TARGET_LABELS and label not in literals:
                problems.append(f"{where}: label {label} is not one modelgate exports")
            if family in live and live[family] and label not in TARGET_LABELS and \
                    label not in live[family]:
                problems.append(f"{where}: {family} has no label {label} in a running modelgate "
                                f"(its labels: {sorted(live[family])})")
            if label in TARGET_LABELS or label in CONFIG_VALUED_LABELS or "{{" in value:
                continue  # scrape labels, config names and template variables
            if op in ("=", "!=") and value not in literals:
                problems.append(f"{where}: {label}=\"{value}\" is a value modelgate never sets")
            if op in ("=~", "!~") and re.fullmatch(r"[A-Za-z0-9_:|]+", value):
                for alt in value.split("|"):
                    if alt not in literals:
                        problems.append(f"{where}: {label}=~ alternative {alt} is a value "
                                        "modelgate never sets")
    for label in grouping_labels(expr):
        if label not in TARGET_LABELS and label not in literals and label not in made:
            problems.append(f"{where}: grouping label {label} is not one modelgate exports")
    return problems
