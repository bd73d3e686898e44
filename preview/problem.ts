/** What the preview's LMS panel shows of the API's answers (through the preview server's /preview/lms routes). */

export interface IProblem {
  code?: string;
  title?: string;
  detail?: string;
  remedy?: string;
  message?: string;
}

export async function post<T>(path: string, body: unknown): Promise<{ ok: boolean; body: T }> {
  const response = await fetch(path, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  return { ok: response.ok, body: (await response.json()) as T };
}

/** "Title (CODE): detail remedy" - the title's own full stop gives way to the code. */
export function describeProblem(problem: IProblem): string {
  if (!problem.code) {
    return problem.message ?? 'The request failed.';
  }
  const title = (problem.title ?? problem.code).replace(/[.。]$/, '');
  const said = [problem.detail, problem.remedy && problem.remedy !== problem.detail ? problem.remedy : undefined].filter(Boolean).join(' ');
  return `${title} (${problem.code})${said ? `: ${said}` : '.'}`;
}
