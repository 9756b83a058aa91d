/**
 * The benchmark page (bench.html): reads the run from its URL, e.g.
 * `bench.html?backend=wasm&model=tiny&steps=10&warmup=2&batch=8&emitEvery=5`, runs it in
 * src/bench/bench.worker.ts, receives the live-view frames as the app's page would, and
 * exposes the result on `window.__benchResult` for scripts/bench.ts.
 */
// Types only: a runtime import shared with the app's entry would split the app's main bundle.
import type { BackendName } from '../protocol/messages';
import type { BenchPageResult, BenchRequest, FromBenchWorker, ToBenchWorker } from './protocol';

const BACKENDS: readonly BackendName[] = ['webgpu', 'webgl', 'wasm', 'cpu'];
const params = new URLSearchParams(location.search);
const log = document.getElementById('log')!;

function say(line: string): void {
  window.__benchProgress = line;
  log.textContent += `${line}\n`;
}

function finish(result: BenchPageResult): void {
  window.__benchResult = result;
  document.body.dataset.done = result.ok ? 'ok' : 'error';
  say(result.ok ? JSON.stringify(result.row, null, 2) : `error: ${result.error}`);
}

function request(): BenchRequest {
  const backend = params.get('backend') ?? 'wasm';
  if (!BACKENDS.includes(backend as BackendName)) throw new Error(`?backend=${backend}: use one of ${BACKENDS.join(', ')}`);
  const num = (name: string, fallback: number) => {
    const v = Number(params.get(name) ?? fallback);
    if (!Number.isInteger(v) || v < 0) throw new Error(`?${name}=${params.get(name)}: a whole number is needed`);
    return v;
  };
  return {
    backend: backend as BackendName,
    model: params.get('model') ?? 'tiny',
    steps: Math.max(1, num('steps', 10)),
    warmup: num('warmup', 2),
    batch: Math.max(1, num('batch', 8)),
    emitEvery: Math.max(1, num('emitEvery', 5)),
    baseUrl: new URL(import.meta.env.BASE_URL, location.href).href,
  };
}

function start(): void {
  const req = request();
  say(`run: ${JSON.stringify(req)}`);
  const t0 = performance.now();
  const worker = new Worker(new URL('./bench.worker.ts', import.meta.url), { type: 'module', name: 'camsteer-bench' });
  let received = 0;
  const onMessage = (ev: MessageEvent<FromBenchWorker>) => {
    const msg = ev.data;
    switch (msg.type) {
      case 'status':
        say(msg.message);
        break;
      case 'progress':
        say(`step ${msg.done}/${msg.total}`);
        break;
      case 'frame':
        // The page's side of streaming: the buffer arrives transferred, as the app's heatmaps do.
        if (msg.frame.data.length === msg.frame.width * msg.frame.height) received++;
        break;
      case 'result':
        done({ ok: true, row: { ...msg.row, frames: { posted: msg.row.frames?.posted ?? 0, received }, wallSeconds: (performance.now() - t0) / 1000 } });
        break;
      case 'error':
        done({ ok: false, error: msg.message });
        break;
      default: {
        const never: never = msg;
        done({ ok: false, error: `unknown message ${JSON.stringify(never)}` });
      }
    }
  };
  const onError = (ev: ErrorEvent) => done({ ok: false, error: `worker error: ${ev.message || 'failed to load'}` });
  function done(result: BenchPageResult): void {
    worker.removeEventListener('message', onMessage);
    worker.removeEventListener('error', onError);
    worker.terminate();
    finish(result);
  }
  worker.addEventListener('message', onMessage);
  worker.addEventListener('error', onError);
  worker.postMessage({ type: 'run', request: req } satisfies ToBenchWorker);
}

try {
  start();
} catch (e) {
  finish({ ok: false, error: (e as Error).message });
}
