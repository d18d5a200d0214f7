import { ReplyStream, newKey } from './client.js';
import { ModelPicker } from './models.js';
import { ConversationStore } from './store.js';
import { AssistantView, UserView } from './views.js';

/*
 * The chat page: the conversation (kept in localStorage), the composer, and one reply at a time followed by a
 * ReplyStream. The context path comes from the JSP (body data-context-path), so the page works under any mount.
 */

const ctx = document.body.dataset.contextPath || '';
const API = `${ctx}/api/chat`;
const embedded = document.body.classList.contains('embed');

const $ = (id) => document.getElementById(id);
const el = {
  main: $('conversation'),
  log: $('messages'),
  empty: $('empty'),
  form: $('composer'),
  prompt: $('prompt'),
  send: $('send'),
  stop: $('stop'),
  newChat: $('new-chat'),
  status: $('status'),
  jump: $('jump'),
  close: $('close-embed'),
};

const store = new ConversationStore(`chatstream:conversation:${ctx || '/'}`);
const picker = new ModelPicker({
  root: $('model-picker'), select: $('model'), apiBase: `${ctx}/api`, storageKey: `chatstream:model:${ctx || '/'}`,
});
const views = new Map();
let active = null;          // {message, reply}
let stick = true;           // follow the reply as it grows, until the reader scrolls up
let composing = false;      // an input method (IME) is composing: Enter confirms a candidate, it never sends

const MODEL_ERRORS = {
  upstream_error: 'The model stopped answering partway through.',
  upstream_timeout: 'The model took too long to answer.',
  upstream_rate_limited: 'The model is getting too many requests right now. Wait a moment, then try again.',
  upstream_auth: 'The server could not sign in to the model service. An administrator needs to check its settings.',
  internal: 'Something went wrong on the server.',
};

function httpErrorText(error) {
  const wait = error.retryAfterSeconds ? ` (try again in about ${error.retryAfterSeconds} s)` : '';
  switch (error.status) {
    case 400:
      return `The server could not accept this message: ${error.message}`;
    case 401:
      return 'You need to sign in to use this chat.';
    case 403:
      return 'You are not allowed to use this chat.';
    case 413:
      return 'This conversation is too long to send. Start a new chat.';
    case 429:
      return `You have too many replies running at once${wait}.`;
    case 503:
      return `The chat service is busy or cannot reach the model right now${wait}.`;
    default:
      return `The server answered with an error (${error.status}).`;
  }
}

/**
 * A `429 rate_limited`: which limit (the day's when its allowance shows none left, else the minute's), its quota, and
 * when a reply would be accepted (Retry-After). The view says it in words and counts down to that moment.
 */
function limitedError(error) {
  const fields = error.rateLimit || {};
  const limit = fields.day && fields.day.r === 0 ? 'day' : 'minute';
  const policy = fields[limit] || {};
  const seconds = error.retryAfterSeconds || policy.t || 60;
  return {
    kind: 'limited', limit, quota: policy.q || null, retryAt: Date.now() + seconds * 1000, text: error.message,
  };
}

function newId() {
  return newKey().slice(0, 12);
}

function announce(text) {
  el.status.textContent = '';
  // a fresh text node after clearing, so screen readers announce the same words twice in a row too
  requestAnimationFrame(() => {
    el.status.textContent = text;
  });
}

/* ---------- rendering ---------- */

function viewFor(message, fresh = false) {
  let view = views.get(message.id);
  if (!view) {
    view = message.role === 'user' ? new UserView(message) : new AssistantView(message, afterRender);
    // only a message just sent comes in with a movement; a restored conversation simply is there
    view.root.classList.toggle('new', fresh);
    views.set(message.id, view);
    el.log.append(view.root);
  }
  return view;
}

function showAll() {
  for (const message of store.messages) {
    const view = viewFor(message);
    if (view instanceof AssistantView) {
      view.update(message, true);
    }
  }
  showEmpty();
}

function showEmpty() {
  el.empty.hidden = store.messages.length > 0;
  el.log.hidden = store.messages.length === 0;
}

function afterRender() {
  if (stick) {
    el.main.scrollTop = el.main.scrollHeight;
  }
  updateJump();
}

function atBottom() {
  return el.main.scrollHeight - el.main.scrollTop - el.main.clientHeight < 48;
}

function updateJump() {
  el.jump.hidden = stick || store.messages.length === 0;
}

/* ---------- the reply ---------- */

function history(upTo) {
  const out = [];
  for (const m of store.messages) {
    if (m === upTo) {
      break;
    }
    if (m.role === 'user') {
      out.push({ role: 'user', content: m.content });
    } else if (m.content) {
      out.push({ role: 'assistant', content: m.content });
    }
  }
  return out;
}

function apply(message, event, seq) {
  message.stream.lastSeq = seq;
  switch (event.type) {
    case 'start':
      message.model = event.model;
      break;
    case 'reasoning':
      message.reasoning = (message.reasoning || '') + String(event.content ?? '');
      break;
    case 'chunk':
      message.content = (message.content || '') + String(event.content ?? '');
      break;
    case 'tool_call': {
      const call = event.tool_call || {};
      message.tools.push({ id: call.id, name: String(call.name ?? 'tool'), arguments: String(call.arguments ?? '') });
      break;
    }
    case 'tool_result': {
      const tool = message.tools.find((t) => t.id === event.tool_call_id);
      if (tool) {
        tool.result = String(event.result ?? '');
      } else {
        message.tools.push({ id: event.tool_call_id, name: 'tool', result: String(event.result ?? '') });
      }
      break;
    }
    case 'end':
      message.finish = event.finish_reason;
      break;
    case 'error':
      message.error = { kind: 'model', code: event.code, text: MODEL_ERRORS[event.code] || MODEL_ERRORS.internal };
      break;
    default:
      // unknown event types are ignored, as the protocol asks of clients
      break;
  }
}

/** Follows `message`'s reply (new, or resumed from its saved stream id and last event) to its end. */
async function follow(message) {
  message.tools = message.tools || [];
  if (message.stream.model === undefined) {
    // fixed with the reply's Idempotency-Key: a POST repeated after a reload must carry the same body
    message.stream.model = picker.value;
  }
  const view = viewFor(message);
  const reply = new ReplyStream({
    apiBase: API,
    messages: history(message),
    idempotencyKey: message.stream.key,
    model: message.stream.model,
    streamId: message.stream.id || null,
    lastSeq: message.stream.lastSeq || 0,
    handlers: {
      stream(id) {
        if (message.status === 'streaming') {
          message.stream.id = id;
          message.streamId = id;
          store.changed();
        }
      },
      event(event, seq) {
        if (message.status !== 'streaming') {
          return;
        }
        apply(message, event, seq);
        view.update(message);
        store.changed();
      },
      state(name, detail) {
        view.setConnection(name, detail);
        view.update(message);
        if (name === 'reconnecting') {
          announce('Connection lost. Reconnecting.');
        }
      },
    },
  });
  active = { message, reply };
  setBusy(true);
  view.update(message);
  let outcome;
  try {
    outcome = await reply.run();
  } catch (e) {
    outcome = { kind: 'lost', error: e };
  }
  finish(message, outcome);
}

/** The reply's outcome becomes its status; idempotent (a stopped reply is already finished). */
function finish(message, outcome) {
  if (active && active.message === message) {
    active = null;
    setBusy(false);
  }
  if (message.status !== 'streaming') {
    return;
  }
  switch (outcome.kind) {
    case 'done':
      if (outcome.terminal.type === 'error') {
        message.status = 'error';
      } else {
        message.status = outcome.terminal.finish_reason === 'cancelled' ? 'stopped' : 'done';
      }
      break;
    case 'delivered':
      message.status = 'done';
      break;
    case 'gone':
      message.status = 'error';
      message.error = {
        kind: 'gone',
        text: 'This reply is no longer available on the server (it expired, or the server restarted).'
            + (message.content ? ' What arrived is shown above.' : ''),
      };
      break;
    case 'refused':
      message.status = 'error';
      message.error = outcome.error.code === 'rate_limited' ? limitedError(outcome.error)
        : { kind: 'refused', text: httpErrorText(outcome.error) };
      break;
    case 'lost':
      message.status = 'lost';
      message.error = { kind: 'lost', text: 'The connection to the server was lost.' };
      break;
    case 'stopped':
    default:
      message.status = 'stopped';
      break;
  }
  if (message.status !== 'lost') {
    delete message.stream;
  }
  store.save();
  const view = viewFor(message);
  view.setConnection(null);
  view.update(message, true);
  // the status line always ends on the outcome (never "Waiting for the reply"); an error's details are announced
  // by its notice (role=alert), so the status line only names it
  announce({ done: 'Reply finished.', stopped: 'Stopped.', lost: 'Connection lost.' }[message.status]
      || 'Reply failed.');
}

function setBusy(busy) {
  const focused = document.activeElement;
  document.body.classList.toggle('busy', busy);
  el.send.hidden = busy;
  el.stop.hidden = !busy;
  // keep the keyboard where it was: the button that just disappeared hands focus to its twin
  if (busy && focused === el.send) {
    el.stop.focus();
  } else if (!busy && focused === el.stop) {
    el.prompt.focus();
  }
}

function submit() {
  const text = el.prompt.value.trim();
  if (active || text === '') {
    return;
  }
  el.prompt.value = '';
  autosize();
  const user = { id: newId(), role: 'user', content: text };
  const reply = {
    id: newId(), role: 'assistant', content: '', reasoning: '', tools: [], status: 'streaming',
    stream: { key: newKey(), id: null, lastSeq: 0 },
  };
  store.messages.push(user, reply);
  store.save();
  showEmpty();
  viewFor(user, true);
  viewFor(reply, true);
  stick = true;
  afterRender();
  announce('Message sent. Waiting for the reply.');
  follow(reply);
}

function stop() {
  if (!active) {
    return;
  }
  const { message, reply } = active;
  reply.stop();
  finish(message, { kind: 'stopped' });
  el.prompt.focus();
}

function retry(message) {
  if (active || !message || message.role !== 'assistant') {
    return;
  }
  if (message.error && message.error.retryAt && message.error.retryAt > Date.now()) {
    return; // the limit's countdown is not over: the server would refuse again
  }
  const view = viewFor(message);
  if (message.status === 'lost' && message.stream && message.stream.id) {
    message.status = 'streaming';
    delete message.error;
  } else {
    view.reset();
    Object.assign(message, {
      content: '', reasoning: '', tools: [], status: 'streaming',
      stream: { key: newKey(), id: null, lastSeq: 0 },
    });
    delete message.error;
    delete message.finish;
  }
  store.save();
  follow(message);
  el.prompt.focus();
}

function newChat() {
  if (active) {
    stop();
  }
  store.clear();
  views.clear();
  el.log.replaceChildren();
  showEmpty();
  stick = true;
  updateJump();
  el.prompt.value = '';
  autosize();
  el.prompt.focus();
  announce('New chat.');
}

/* ---------- clipboard ---------- */

async function copyText(text) {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch (e) {
    // no clipboard API outside secure contexts (plain http on a LAN): the old way
  }
  const area = document.createElement('textarea');
  area.value = text;
  area.setAttribute('readonly', '');
  area.style.position = 'fixed';
  area.style.opacity = '0';
  document.body.append(area);
  area.select();
  let ok = false;
  try {
    ok = document.execCommand('copy');
  } catch (e) {
    ok = false;
  }
  area.remove();
  return ok;
}

async function copyFrom(button, text) {
  const ok = await copyText(text);
  const label = button.querySelector('.btn-label') || button;
  const before = label.textContent;
  label.textContent = ok ? 'Copied' : 'Copy failed';
  button.classList.toggle('copied', ok);
  announce(ok ? 'Copied to the clipboard.' : 'Could not copy.');
  setTimeout(() => {
    label.textContent = before;
    button.classList.remove('copied');
  }, 1500);
}

/* ---------- input ---------- */

function autosize() {
  el.prompt.style.height = 'auto';
  el.prompt.style.height = `${Math.min(el.prompt.scrollHeight, 200)}px`;
}

el.prompt.addEventListener('compositionstart', () => {
  composing = true;
});
el.prompt.addEventListener('compositionend', () => {
  // Safari sends the Enter that confirmed the candidate after compositionend: keep the flag one more turn
  setTimeout(() => {
    composing = false;
  }, 0);
});
el.prompt.addEventListener('keydown', (e) => {
  if (e.key === 'Escape' && active) {
    e.preventDefault();
    stop();
    return;
  }
  if (e.key === 'Escape' && embedded) {
    window.parent.postMessage({ type: 'chatstream:close' }, '*');
    return;
  }
  if (e.key !== 'Enter' || e.shiftKey || e.altKey || e.ctrlKey || e.metaKey) {
    return;
  }
  if (e.isComposing || e.keyCode === 229 || composing) {
    return;
  }
  e.preventDefault();
  submit();
});
el.prompt.addEventListener('input', autosize);
el.form.addEventListener('submit', (e) => {
  e.preventDefault();
  submit();
});
el.stop.addEventListener('click', stop);
el.newChat.addEventListener('click', newChat);
el.jump.addEventListener('click', () => {
  stick = true;
  el.main.scrollTo({ top: el.main.scrollHeight, behavior: 'smooth' });
  updateJump();
  el.prompt.focus();
});
el.main.addEventListener('scroll', () => {
  stick = atBottom();
  updateJump();
}, { passive: true });

el.log.addEventListener('click', (e) => {
  const button = e.target.closest('button[data-action]');
  if (!button) {
    return;
  }
  const article = button.closest('article');
  const message = store.messages.find((m) => article && m.id === article.dataset.id);
  switch (button.dataset.action) {
    case 'copy-code': {
      const code = button.closest('.code-block').querySelector('code');
      copyFrom(button, code.textContent);
      break;
    }
    case 'copy-message':
      if (message) {
        copyFrom(button, message.content);
      }
      break;
    case 'retry':
      retry(message);
      break;
    default:
      break;
  }
});

el.empty.addEventListener('click', (e) => {
  const button = e.target.closest('button[data-prompt]');
  if (button) {
    el.prompt.value = button.dataset.prompt;
    submit();
  }
});

if (embedded && el.close) {
  el.close.addEventListener('click', () => window.parent.postMessage({ type: 'chatstream:close' }, '*'));
  window.addEventListener('message', (e) => {
    if (e.source === window.parent && e.data && e.data.type === 'chatstream:focus') {
      el.prompt.focus();
    }
  });
}

/* ---------- start ---------- */

picker.load();
showAll();
el.main.scrollTop = el.main.scrollHeight;
const last = store.messages[store.messages.length - 1];
for (const m of store.messages) {
  // a reply left mid-way by an older page: only the last one can still be followed
  if (m.status === 'streaming' && m !== last) {
    m.status = 'lost';
    m.error = { kind: 'lost', text: 'The connection to the server was lost.' };
    viewFor(m).update(m, true);
    store.changed();
  }
}
if (last && last.role === 'assistant' && last.status === 'streaming' && last.stream) {
  follow(last);
}
if (!window.matchMedia('(pointer: coarse)').matches) {
  el.prompt.focus();
}
document.documentElement.dataset.ready = 'true';
