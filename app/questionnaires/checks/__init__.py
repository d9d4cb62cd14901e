"""Static checks of a questionnaire definition, each problem with file and line.

``check`` runs every check and returns all problems (errors and warnings) at
once. Reachability needs a definition whose references are sound, so it runs
only when the other checks found no error.
"""

from __future__ import annotations

from app.questionnaires.checks.conditions import check_conditions
from app.questionnaires.checks.context import Context
from app.questionnaires.checks.pipes import check_pipes
from app.questionnaires.checks.reachability import check_reachability
from app.questionnaires.checks.structure import check_structure
from app.questionnaires.compiler import compile_questionnaire
from app.questionnaires.definition import Questionnaire
from app.questionnaires.errors import ErrorCode, Problem, has_errors
from app.questionnaires.yamlsource import SourceMap

__all__ = ["check"]


def check(qn: Questionnaire, source: SourceMap) -> list[Problem]:
    ctx = Context.build(qn, source)
    check_structure(ctx)
    check_conditions(ctx)
    check_pipes(ctx)
    if not has_errors(ctx.problems):
        _reachability(ctx)
    return list(dict.fromkeys(ctx.problems))


def _reachability(ctx: Context) -> None:
    cq = compile_questionnaire(ctx.qn, source=ctx.source.file)
    for kind, id_, path, code in check_reachability(cq):
        if code is None:
            ctx.report(ErrorCode.UNREACHABLE, path, kind=kind, id=id_)
        else:
            ctx.warn(
                ErrorCode.UNREACHABLE_OPTION,
                path,
                code=code,
                question=id_,
            )
