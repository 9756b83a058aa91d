/// <reference lib="webworker" />
import { EmptyMaskError } from '../core/mask';
import { transfersOf, type ErrorCode, type FromWorker, type ToWorker } from '../protocol/messages';
import { BackendUnavailableError, initBackend } from './backend';
import { NonFiniteLossError, RunControl, Session } from './session';

const scope = self as unknown as {
  postMessage(msg: FromWorker, transfer: Transferable[]): void;
  onmessage: ((ev: MessageEvent<ToWorker>) => void) | null;
};

function post(msg: FromWorker): void {
  scope.postMessage(msg, transfersOf(msg));
}

function codeOf(e: unknown): ErrorCode {
  if (e instanceof EmptyMaskError) return 'empty-mask';
  if (e instanceof NonFiniteLossError) return 'non-finite';
  if (e instanceof BackendUnavailableError) return 'backend';
  return 'training';
}

function reportError(e: unknown, code: ErrorCode = codeOf(e)): void {
  const message = e instanceof Error ? e.message : String(e);
  console.error('[camsteer worker]', e);
  post({ type: 'error', code, message });
}

const session = new Session(post);
let control: RunControl | null = null;

async function handle(msg: ToWorker): Promise<void> {
  switch (msg.type) {
    case 'init': {
      post({ type: 'lifecycle', stage: 'checking', message: 'Checking backends' });
      const info = await initBackend(msg.backend);
      console.info('[camsteer worker] backend', info.name, info.reasons.join('; '));
      post({ type: 'backend', info });
      post({ type: 'lifecycle', stage: 'ready', message: `Ready on ${info.name}` });
      return;
    }
    case 'setImages':
      session.setImages(msg.images);
      post({ type: 'imagesLoaded', ids: msg.images.map((i) => i.id) });
      return;
    case 'train': {
      const c = new RunControl();
      control = c;
      try {
        await session.run(msg.settings, msg.targetImageId, msg.mask, c);
      } finally {
        control = null;
      }
      return;
    }
    case 'pause':
      control?.pause();
      post({ type: 'paused', paused: true });
      return;
    case 'resume':
      control?.resume();
      post({ type: 'paused', paused: false });
      return;
    case 'stop':
      control?.stop();
      return;
    default: {
      const never: never = msg;
      throw new Error(`unknown message ${JSON.stringify(never)}`);
    }
  }
}

/** Pause, resume and stop act at once; everything else runs in arrival order. */
let queue: Promise<void> = Promise.resolve();
scope.onmessage = (ev) => {
  const msg = ev.data;
  const run = () => handle(msg).catch((e) => reportError(e, msg.type === 'init' ? 'backend' : undefined));
  if (msg.type === 'pause' || msg.type === 'resume' || msg.type === 'stop') void run();
  else queue = queue.then(run);
};
