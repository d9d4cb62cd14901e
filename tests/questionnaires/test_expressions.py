from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.questionnaires import expressions as ex
from app.questionnaires.expressions import (
    And,
    Arith,
    Attr,
    Bool,
    Call,
    Compare,
    ExpressionError,
    ExpressionTooComplex,
    In,
    Not,
    Num,
    OptionAnswer,
    Or,
    Ref,
    Str,
    evaluate,
    parse,
    references,
    to_source,
)


class DictEnv:
    """The smallest environment: answers by id (rows in dicts), attributes, missing codes."""

    def __init__(self, answers=None, attributes=None, missing=None) -> None:
        self.answers = answers or {}
        self.attributes = attributes or {}
        self.missing = missing or {}

    def answer(self, name, row):
        value = self.answers.get(name)
        if row is not None:
            return value.get(row) if isinstance(value, dict) else None
        return value

    def attribute(self, name):
        return self.attributes.get(name)

    def missing_codes(self, name):
        return frozenset(self.missing.get(name, ()))


def run(source: str, **env) -> object:
    return evaluate(parse(source), DictEnv(**env))


class TestGrammar:
    def test_reference_and_string(self) -> None:
        assert parse("${q_tier} = 'gemeente'") == Compare(
            "=", Ref("q_tier"), Str("gemeente")
        )

    def test_row_reference(self) -> None:
        assert parse("${q_aggr_count.verbaal} > 0") == Compare(
            ">", Ref("q_aggr_count", "verbaal"), Num(0)
        )

    def test_and_binds_tighter_than_or(self) -> None:
        assert parse("a = 1 or b = 2 and c = 3") == Or(
            (
                Compare("=", Attr("a"), Num(1)),
                And((Compare("=", Attr("b"), Num(2)), Compare("=", Attr("c"), Num(3)))),
            )
        )

    def test_not_binds_tighter_than_and(self) -> None:
        assert parse("not ${v} and ${w}") == And((Not(Ref("v")), Ref("w")))

    def test_not_applies_to_a_whole_comparison(self) -> None:
        assert parse("not ${q} = 1") == Not(Compare("=", Ref("q"), Num(1)))

    def test_arithmetic_binds_tighter_than_comparison(self) -> None:
        assert parse("${a.x} + ${a.y} = ${b.z}") == Compare(
            "=", Arith("+", Ref("a", "x"), Ref("a", "y")), Ref("b", "z")
        )

    def test_subtraction_is_left_associative(self) -> None:
        assert parse("5 - 2 - 1") == Arith("-", Arith("-", Num(5), Num(2)), Num(1))

    def test_in_and_not_in_lists(self) -> None:
        assert parse("function in ['burgemeester', 'wethouder']") == In(
            Attr("function"), (Str("burgemeester"), Str("wethouder"))
        )
        assert parse("${q} not in [1, -1]") == In(
            Ref("q"), (Num(1), Num(-1)), negated=True
        )

    def test_functions(self) -> None:
        assert parse("selected(${q}, 'facebook')") == Call(
            "selected", (Ref("q"), Str("facebook"))
        )
        assert parse("count_selected(${q}) >= 2") == Compare(
            ">=", Call("count_selected", (Ref("q"),)), Num(2)
        )

    def test_double_equals_is_an_alias(self) -> None:
        assert parse("${q} == 1") == parse("${q} = 1")

    def test_parentheses_group(self) -> None:
        assert parse("(a = 1 or b = 1) and c = 1") == And(
            (
                Or((Compare("=", Attr("a"), Num(1)), Compare("=", Attr("b"), Num(1)))),
                Compare("=", Attr("c"), Num(1)),
            )
        )

    def test_double_quoted_strings(self) -> None:
        assert parse('tier = "d\'66"') == Compare("=", Attr("tier"), Str("d'66"))

    def test_keywords_are_not_prefixes_of_names(self) -> None:
        assert parse("order = 1 and android = 2") == And(
            (Compare("=", Attr("order"), Num(1)), Compare("=", Attr("android"), Num(2)))
        )

    @pytest.mark.parametrize(
        ("source", "message"),
        [
            ("${q} = ", "ends too early"),
            ("a = b = c", "unexpected '='"),
            ("${Q} = 1", "unexpected character '$'"),
            ("foo(${q})", "unknown function 'foo'"),
            ("sum(1)", "first argument of sum() must be ${question}"),
            ("selected(${q})", "selected() takes 2 argument(s), got 1"),
            ("selected(${q}, ${r})", "second argument of selected()"),
            ("[1, 2]", "unexpected '['"),
        ],
    )
    def test_errors_are_clean(self, source: str, message: str) -> None:
        with pytest.raises(ExpressionError) as info:
            parse(source)
        assert message in str(info.value)

    def test_error_carries_the_column(self) -> None:
        with pytest.raises(ExpressionError) as info:
            parse("${q} = 1 &")
        assert info.value.column == 10


class TestNoEscape:
    @pytest.mark.parametrize(
        "source",
        [
            "__import__('os')",
            "${q}.__class__",
            "${q.__class__}",
            "().__class__.__bases__",
            "lambda: 1",
            "exec('1')",
            "open('/etc/passwd')",
            "${q}[0]",
            "a if b else c",
            "x = 1; y = 2",
            "`ls`",
        ],
    )
    def test_python_is_not_a_condition(self, source: str) -> None:
        with pytest.raises(ExpressionError):
            parse(source)

    def test_bare_names_are_only_looked_up_as_attributes(self) -> None:
        assert run("mro = 1 or dict = 2", attributes={}) is False

    def test_deep_brackets_are_refused(self) -> None:
        with pytest.raises(ExpressionTooComplex):
            parse("(" * 60 + "1" + ")" * 60 + " = 1")

    def test_deep_not_chains_are_refused(self) -> None:
        with pytest.raises(ExpressionTooComplex):
            parse("not " * 200 + "a")

    def test_long_text_is_refused_before_parsing(self) -> None:
        with pytest.raises(ExpressionTooComplex, match="longer than 2000"):
            parse("a = 1 or " * 300 + "a = 1")

    def test_deep_nesting_within_limits_evaluates(self) -> None:
        assert run("(" * 40 + "1 = 1" + ")" * 40) is True


class TestEvaluate:
    def test_missing_value_makes_every_comparison_false(self) -> None:
        for op in ("=", "!=", "<", "<=", ">", ">="):
            assert run(f"${{q}} {op} 1") is False

    def test_not_of_a_comparison_with_a_missing_value_is_true(self) -> None:
        assert run("not ${q} = 1") is True

    def test_in_with_missing_value_is_false_both_ways(self) -> None:
        assert run("${q} in [1]") is False
        assert run("${q} not in [1]") is False

    def test_comparisons(self) -> None:
        assert run("${q} >= 5", answers={"q": 5}) is True
        assert run("${q} != 5", answers={"q": 4}) is True
        assert run("${q.verbaal} > 0", answers={"q": {"verbaal": 3}}) is True

    def test_booleans_are_not_numbers(self) -> None:
        assert run("${v} = 1", answers={"v": True}) is False

    def test_text_is_not_ordered(self) -> None:
        assert run("tier > 'a'", attributes={"tier": "b"}) is False

    def test_attributes(self) -> None:
        assert (
            run(
                "function in ['burgemeester', 'wethouder']",
                attributes={"function": "wethouder"},
            )
            is True
        )
        assert run("tier != 'waterschap'", attributes={"tier": "gemeente"}) is True

    def test_selected_and_count(self) -> None:
        answers = {"q": [1, 3]}
        assert run("selected(${q}, 3)", answers=answers) is True
        assert run("selected(${q}, 2)", answers=answers) is False
        assert run("count_selected(${q}) >= 2", answers=answers) is True
        assert run("count_selected(${q}) = 0") is True

    def test_sum_counts_missing_items_as_zero(self) -> None:
        assert run("sum(${q}) = 3", answers={"q": {"a": 1, "b": 2}}) is True
        assert run("sum(${q}) = 0") is True
        assert run("sum(${q}) = 2", answers={"q": {"a": 2, "b": None}}) is True

    def test_arithmetic_with_a_missing_value_is_missing(self) -> None:
        assert run("${q.a} + ${q.b} = 1", answers={"q": {"a": 1}}) is False
        assert (
            run("${q.a} + ${q.b} = ${r}", answers={"q": {"a": 1, "b": 2}, "r": 3})
            is True
        )

    def test_answered(self) -> None:
        assert run("answered(${q})", answers={"q": 0}) is True
        assert run("answered(${q})", answers={"q": []}) is False
        assert run("answered(${q.row})", answers={"q": {"row": 2}}) is True

    def test_is_missing(self) -> None:
        assert (
            run(
                "is_missing(${q})", answers={"q": OptionAnswer(98)}, missing={"q": [98]}
            )
            is True
        )
        assert (
            run("is_missing(${q})", answers={"q": [1, 98]}, missing={"q": [98]}) is True
        )
        assert run("is_missing(${q})", answers={"q": 3}, missing={"q": [98]}) is False

    def test_option_answer_is_its_code_but_not_a_number(self) -> None:
        answers = {"q": OptionAnswer(98)}
        assert run("${q} = 98", answers=answers) is True
        assert run("${q} in [98]", answers=answers) is True
        assert run("${q} > 0", answers=answers) is False
        assert run("sum(${q}) = 0", answers=answers) is True

    def test_derived_boolean_in_boolean_context(self) -> None:
        assert (
            run("not ${victim} or tier != 'waterschap'", answers={"victim": False})
            is True
        )
        assert (
            run(
                "${victim} and tier = 'gemeente'",
                answers={"victim": True},
                attributes={"tier": "gemeente"},
            )
            is True
        )


class TestReferences:
    def test_lists_every_reference_with_its_position(self) -> None:
        found = references(
            parse("selected(${q8}, 'fb') and function = 'x' or ${q5.a} > 1")
        )
        assert [(r.kind, r.name, r.row, r.pos) for r in found] == [
            ("function", "selected", None, 0),
            ("question", "q8", None, 9),
            ("attribute", "function", None, 26),
            ("question", "q5", "a", 44),
        ]


# --- printer round trip ---------------------------------------------------------

KEYWORDS = {"and", "or", "not", "in", "true", "false"}
names = st.from_regex(r"[a-z][a-z0-9_]{0,6}", fullmatch=True).filter(
    lambda n: n not in KEYWORDS
)
texts = st.one_of(
    st.text(st.characters(codec="utf-8", exclude_characters="'\"\n"), max_size=8),
    st.text(st.characters(codec="utf-8", exclude_characters='"\n'), max_size=8),
)
literals = st.one_of(
    st.integers(-(10**6), 10**6).map(Num), texts.map(Str), st.booleans().map(Bool)
)
refs = st.builds(Ref, names, st.one_of(st.none(), names))
calls = st.one_of(
    st.builds(
        lambda r, o: Call("selected", (r, o)),
        refs,
        st.one_of(st.integers(-99, 99).map(Num), names.map(Str)),
    ),
    st.builds(
        lambda f, r: Call(f, (r,)),
        st.sampled_from(["count_selected", "answered", "sum", "is_missing"]),
        refs,
    ),
)
atoms = st.one_of(literals, refs, names.map(Attr), calls)


def _extender(literals: st.SearchStrategy[ex.Literal], min_operands: int):
    """Compound conditions over ``inner``: what ``st.recursive`` grows trees with."""

    def extend(inner: st.SearchStrategy[ex.Expr]) -> st.SearchStrategy[ex.Expr]:
        operands = st.lists(inner, min_size=min_operands, max_size=3).map(tuple)
        return st.one_of(
            st.builds(Compare, st.sampled_from(ex.COMPARISONS), inner, inner),
            st.builds(
                In, inner, st.lists(literals, max_size=3).map(tuple), st.booleans()
            ),
            st.builds(Arith, st.sampled_from(["+", "-"]), inner, inner),
            st.builds(Not, inner),
            operands.map(And),
            operands.map(Or),
        )

    return extend


# The parser never makes a one-operand and/or, so printed trees need two.
expressions = st.recursive(atoms, _extender(literals, 2), max_leaves=16)


class TestPrinter:
    @settings(max_examples=200, deadline=None, derandomize=True)
    @given(expressions)
    def test_print_then_parse_gives_the_same_tree(self, expr: ex.Expr) -> None:
        assert parse(to_source(expr)) == expr

    @settings(max_examples=60, deadline=None, derandomize=True)
    @given(expressions)
    def test_printing_is_canonical(self, expr: ex.Expr) -> None:
        text = to_source(expr)
        assert to_source(parse(text)) == text

    def test_canonical_spacing_and_quotes(self) -> None:
        assert to_source(
            parse("${a}>=1 AND".replace(" AND", "") + " and function in['x' ,\"y\"]")
        ) == ("${a} >= 1 and function in ['x', 'y']")

    def test_parenthesizes_only_where_needed(self) -> None:
        assert (
            to_source(parse("(a = 1 and b = 1) or (c = 1)"))
            == "a = 1 and b = 1 or c = 1"
        )
        assert to_source(parse("not (a = 1 or b = 1)")) == "not (a = 1 or b = 1)"
        assert to_source(parse("1 - (2 - 3) = 0")) == "1 - (2 - 3) = 0"


# --- compiled closures agree with the tree walk ---------------------------------

pool = st.sampled_from(["a", "b", "c"])
pool_literals = st.one_of(
    st.integers(-3, 100).map(Num),
    st.sampled_from(["x", "y", "1", ""]).map(Str),
    st.booleans().map(Bool),
)
pool_refs = st.builds(Ref, pool, st.one_of(st.none(), st.sampled_from(["r1", "r2"])))
pool_calls = st.one_of(
    st.builds(
        lambda r, o: Call("selected", (r, o)), pool_refs, st.integers(0, 4).map(Num)
    ),
    st.builds(
        lambda f, r: Call(f, (r,)),
        st.sampled_from(["count_selected", "answered", "sum", "is_missing"]),
        pool_refs,
    ),
)
pool_atoms = st.one_of(pool_literals, pool_refs, pool.map(Attr), pool_calls)


pool_expressions = st.recursive(pool_atoms, _extender(pool_literals, 1), max_leaves=12)
scalars = st.one_of(
    st.none(),
    st.integers(-2, 99),
    st.sampled_from(["x", "y", "1", ""]),
    st.booleans(),
    st.integers(97, 99).map(OptionAnswer),
)
answer_values = st.one_of(
    scalars,
    st.lists(st.integers(0, 4), max_size=3),
    st.dictionaries(st.sampled_from(["r1", "r2"]), scalars, max_size=2),
)
environments = st.builds(
    DictEnv,
    st.dictionaries(pool, answer_values),
    st.dictionaries(pool, scalars),
    st.dictionaries(pool, st.lists(st.integers(96, 99), max_size=2)),
)


class TestCompiled:
    @settings(max_examples=600, deadline=None, derandomize=True)
    @given(pool_expressions, environments)
    def test_closures_give_what_the_tree_walk_gives(
        self, expr: ex.Expr, env: DictEnv
    ) -> None:
        expected = ex.interpret(expr, env)
        got = ex.compile_expr(expr)(env)
        assert got == expected and type(got) is type(expected)

    @settings(max_examples=300, deadline=None, derandomize=True)
    @given(st.lists(st.one_of(st.none(), pool_expressions), max_size=3), environments)
    def test_holds_all_is_every_condition_holding(
        self, exprs: list[ex.Expr | None], env: DictEnv
    ) -> None:
        expected = all(ex.truthy(ex.interpret(e, env)) for e in exprs if e is not None)
        assert ex.holds_all(*exprs)(env) is expected

    def test_evaluate_compiles_each_condition_once(self) -> None:
        from app.questionnaires.expressions import compiled

        expr = parse("${a} = 1 and function in ['x']")
        first = compiled.compiled(expr)
        assert compiled.compiled(expr) is first
        assert evaluate(expr, DictEnv({"a": 1}, {"function": "x"})) is True
        assert evaluate(expr, DictEnv({"a": 1}, {"function": "y"})) is False
