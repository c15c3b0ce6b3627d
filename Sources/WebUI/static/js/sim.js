// The built-in simulator's model names say how the model behaves (docs/simulator.md):
// `sim-ttft80-gap10-tok128` answers its first token after 80 ms, then one every 10 ms, 128
// tokens. This turns a name into that sentence for the places the names appear.
const faults = {
  fault429: 'always refuses with HTTP 429 (rate limited)',
  fault500: 'always fails with HTTP 500',
  fault401: 'always refuses the key (HTTP 401)',
  faultdisconnect: 'hangs up halfway through its answer',
  faultmalformed: 'sends a broken event mid-stream',
  faultnousage: 'never reports its token counts',
};
const tools = {
  toolscall: 'calls the tool the prompt names', toolsnone: 'answers in text even when offered tools',
  toolswrong: 'calls a tool it was not offered', toolsbadargs: 'calls the right tool with broken arguments',
  toolsparallel: 'calls several tools at once',
  // The tuning models (docs/simulator.md, "Tuning surface").
  toolssurface: 'calls the right tool most often near temperature 0.35, top_p 0.8 (for trying the Tuning page)',
  toolsflat: 'calls the right tool 60 % of the time whatever its settings (nothing to tune)',
};

/** A sentence for a simulator model name, or null when the name is not one. */
export function describeSimModel(id) {
  if (!/^sim(-|$)/.test(id)) return null;
  const parts = id.split('-').slice(1);
  const number = (key, fallback) => { const p = parts.find((s) => new RegExp(`^${key}\\d+$`).test(s)); return p ? Number(p.slice(key.length)) : fallback; };
  const said = [`simulated: first token after ${number('ttft', 50)} ms, then one every ${number('gap', 10)} ms, ${number('tok', 32)} tokens`];
  for (const p of parts) {
    if (faults[p]) said.push(faults[p]);
    if (tools[p]) said.push(tools[p]);
    if (p.startsWith('judge')) said.push(p === 'judgemalformed' ? 'a judge that answers prose' : p === 'judgefirst' ? 'a judge that prefers whatever it reads first' : 'answers judge prompts');
  }
  return said.join('; ');
}
