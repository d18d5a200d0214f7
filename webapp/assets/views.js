import { MarkdownView } from './markdown.js';

/*
 * The DOM of one message. Built with createElement and textContent only: user text, reasoning, tool arguments and
 * results are text; the answer is markdown through MarkdownView (sanitized).
 */

function h(tag, className, text) {
  const node = document.createElement(tag);
  if (className) {
    node.className = className;
  }
  if (text !== undefined) {
    node.textContent = text;
  }
  return node;
}

const SVG_NS = 'http://www.w3.org/2000/svg';

/** A small inline icon from a path, built as DOM (no markup strings). */
export function icon(d, size = 16) {
  const svg = document.createElementNS(SVG_NS, 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('width', String(size));
  svg.setAttribute('height', String(size));
  svg.setAttribute('aria-hidden', 'true');
  svg.setAttribute('focusable', 'false');
  const path = document.createElementNS(SVG_NS, 'path');
  path.setAttribute('d', d);
  svg.append(path);
  return svg;
}

export const ICONS = {
  copy: 'M9 9h10v10H9zM5 15V5h10',
  retry: 'M4 12a8 8 0 1 0 2.3-5.7M4 4v4h4',
  tool: 'M14.7 6.3a4 4 0 0 0-5.4 5.4L4 17v3h3l5.3-5.3a4 4 0 0 0 5.4-5.4l-2.6 2.6-2.4-.6-.6-2.4z',
  spark: 'M12 3l1.9 5.6L19.5 10l-5.6 1.9L12 17.5l-1.9-5.6L4.5 10l5.6-1.4z',
  edit: 'M4 20h4L19 9l-4-4L4 16zM13.5 6.5l4 4',
  prev: 'M15 6l-6 6 6 6',
  next: 'M9 6l6 6-6 6',
};

/** A wait in words: `12 s` (up to 99), `4 min 5 s`, `5 h 3 min`. */
export function duration(seconds) {
  if (seconds < 100) {
    return `${seconds} s`;
  }
  if (seconds < 3600) {
    const s = seconds % 60;
    return `${Math.floor(seconds / 60)} min${s ? ` ${s} s` : ''}`;
  }
  const m = Math.floor((seconds % 3600) / 60);
  return `${Math.floor(seconds / 3600)} h${m ? ` ${m} min` : ''}`;
}

/**
 * `< 2 / 3 >`: the versions of a message (its siblings: edits of a user message, regenerations of a reply), with
 * buttons to the previous and the next. Hidden while there is only one.
 */
function branchNav() {
  const nav = h('div', 'branch');
  nav.hidden = true;
  nav.setAttribute('role', 'group');
  nav.setAttribute('aria-label', 'Versions');
  const prev = h('button', 'icon-btn branch-prev');
  prev.type = 'button';
  prev.dataset.action = 'branch-prev';
  prev.setAttribute('aria-label', 'Previous version');
  prev.title = 'Previous version';
  prev.append(icon(ICONS.prev, 14));
  const next = h('button', 'icon-btn branch-next');
  next.type = 'button';
  next.dataset.action = 'branch-next';
  next.setAttribute('aria-label', 'Next version');
  next.title = 'Next version';
  next.append(icon(ICONS.next, 14));
  nav.append(prev, h('span', 'branch-pos'), next);
  return nav;
}

function showBranch(nav, index, count) {
  nav.hidden = !(count > 1);
  if (count > 1) {
    nav.querySelector('.branch-pos').textContent = `${index} / ${count}`;
    nav.querySelector('.branch-prev').disabled = index <= 1;
    nav.querySelector('.branch-next').disabled = index >= count;
  }
}

function actionButton(action, label, iconPath, text) {
  const button = h('button', 'icon-btn');
  button.type = 'button';
  button.dataset.action = action;
  button.setAttribute('aria-label', label);
  button.title = label;
  button.append(icon(iconPath), h('span', 'btn-label', text));
  return button;
}

/** When a message was written, in the reader's own words for dates: shown on hover (the title attribute). */
function timeTitle(iso) {
  const date = iso ? new Date(iso) : null;
  return date && !Number.isNaN(date.getTime())
    ? date.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' }) : '';
}

export class UserView {
  constructor(message) {
    this.root = h('article', 'msg msg-user');
    this.root.dataset.id = message.id;
    this.root.setAttribute('aria-label', 'You');
    this.bubble = h('div', 'bubble', message.content);
    this.actions = h('div', 'msg-actions');
    this.edit = actionButton('edit', 'Edit message', ICONS.edit, 'Edit');
    this.edit.hidden = true;
    this.branch = branchNav();
    this.actions.append(this.branch, actionButton('copy-message', 'Copy message', ICONS.copy, 'Copy'), this.edit);
    this.editor = null;
    this.root.append(this.bubble, this.actions);
    this.setTime(message.createdAt);
  }

  setTime(iso) {
    const text = timeTitle(iso);
    if (text) {
      this.root.title = text;
    }
  }

  /** The message's place among its versions, and whether it can be edited (a conversation kept on the server). */
  setMeta({ index = 1, count = 1, editable = false }) {
    showBranch(this.branch, index, count);
    this.edit.hidden = !editable;
  }

  /** Puts an editor with the message's text in place of the bubble; returns its text box. */
  startEdit(text) {
    if (!this.editor) {
      this.editor = h('form', 'edit');
      this.editor.noValidate = true;
      const label = h('label', 'visually-hidden', 'Edit your message');
      const area = h('textarea', 'edit-text');
      area.id = `edit-${this.root.dataset.id}`;
      label.htmlFor = area.id;
      area.rows = 3;
      const buttons = h('div', 'edit-buttons');
      const cancel = h('button', 'btn btn-small', 'Cancel');
      cancel.type = 'button';
      cancel.dataset.action = 'edit-cancel';
      const send = h('button', 'btn btn-small btn-primary', 'Send');
      send.type = 'submit';
      buttons.append(cancel, send);
      this.editor.append(label, area, buttons);
    }
    const area = this.editor.querySelector('textarea');
    area.value = text;
    this.bubble.hidden = true;
    this.actions.hidden = true;
    this.root.classList.add('editing');
    this.root.insertBefore(this.editor, this.actions);
    area.focus();
    area.setSelectionRange(text.length, text.length);
    return area;
  }

  endEdit() {
    if (this.editor) {
      this.editor.remove();
    }
    this.bubble.hidden = false;
    this.actions.hidden = false;
    this.root.classList.remove('editing');
  }
}

const NOTES = {
  length: 'The reply stopped at its length limit.',
  timeout: 'The reply took too long and was ended by the server.',
  tool_calls: 'The model asked for a tool to be run.',
};

/** A tool call's arguments on one line of at most 60 characters, for its row (text, never HTML). */
function briefArguments(args) {
  const line = String(args || '').replace(/\s+/g, ' ').trim();
  return line.length > 60 ? line.slice(0, 59) + '…' : line;
}

/** An assistant reply: thinking, tools, the answer, a waiting indicator, notices and actions. */
export class AssistantView {
  constructor(message, onRendered) {
    this.root = h('article', 'msg msg-assistant');
    this.root.dataset.id = message.id;
    this.root.setAttribute('aria-label', 'Assistant');
    const avatar = h('div', 'avatar');
    avatar.append(icon(ICONS.spark, 18));
    this.body = h('div', 'msg-body');
    this.root.append(avatar, this.body);

    this.thinking = null;
    this.thinkingText = null;
    this.thinkingTouched = false;
    this.tools = h('div', 'tools');
    this.tools.hidden = true;
    this.answer = h('div', 'md answer');
    this.markdown = new MarkdownView(this.answer, onRendered);
    this.waiting = h('div', 'waiting');
    const dots = h('span', 'dots');
    dots.setAttribute('aria-hidden', 'true');
    dots.append(h('i'), h('i'), h('i'));
    this.waiting.append(dots, h('span', 'waiting-text', 'Waiting for the reply…'));
    this.notice = h('div', 'notice');
    this.notice.hidden = true;
    this.actions = h('div', 'msg-actions');
    this.actions.hidden = true;
    const copy = h('button', 'icon-btn');
    copy.type = 'button';
    copy.dataset.action = 'copy-message';
    copy.setAttribute('aria-label', 'Copy reply');
    copy.title = 'Copy reply';
    copy.append(icon(ICONS.copy), h('span', 'btn-label', 'Copy'));
    this.copy = copy;
    this.branch = branchNav();
    this.regenerate = actionButton('regenerate', 'Regenerate reply', ICONS.retry, 'Regenerate');
    this.regenerate.hidden = true;
    this.actions.append(this.branch, copy, this.regenerate);
    this.canRegenerate = false;
    this.streaming = false;
    this.setTime(message.createdAt);
    this.body.append(this.tools, this.answer, this.waiting, this.notice, this.actions);
    this.toolsKey = '';
    this.connection = null;
  }

  /** Brings the view up to date with the message; the markdown follows on the next frame unless `now`. */
  update(message, now = false) {
    const streaming = message.status === 'streaming';
    this.root.dataset.status = message.status;
    if (message.streamId) {
      this.root.dataset.streamId = message.streamId;
    }
    this.root.setAttribute('aria-busy', streaming ? 'true' : 'false');
    this.root.classList.toggle('streaming', streaming);
    this.showThinking(message, streaming);
    this.showTools(message.tools || [], streaming);
    this.markdown.update(message.content || '');
    if (now) {
      this.markdown.flush();
    }
    const started = Boolean(message.content || message.reasoning || (message.tools && message.tools.length));
    this.waiting.hidden = !(streaming && !started);
    this.showNotice(message);
    this.streaming = streaming;
    this.copy.hidden = !message.content;
    this.showActions();
  }

  setTime(iso) {
    const text = timeTitle(iso);
    if (text) {
      this.root.title = text;
    }
  }

  /**
   * The reply's place among its versions (regenerations), and whether it offers Regenerate (the last reply of a
   * conversation kept on the server).
   */
  setMeta({ index = 1, count = 1, regenerate = false }) {
    showBranch(this.branch, index, count);
    this.canRegenerate = regenerate;
    this.showActions();
  }

  showActions() {
    this.regenerate.hidden = !this.canRegenerate;
    const any = !this.copy.hidden || !this.branch.hidden || this.canRegenerate;
    this.actions.hidden = this.streaming || !any;
  }

  showThinking(message, streaming) {
    if (!message.reasoning) {
      if (this.thinking) {
        this.thinking.remove();
        this.thinking = null;
      }
      return;
    }
    if (!this.thinking) {
      this.thinking = h('details', 'thinking');
      const summary = h('summary');
      summary.append(h('span', 'thinking-label'));
      summary.addEventListener('click', () => {
        this.thinkingTouched = true;
      });
      this.thinkingText = h('div', 'thinking-text');
      this.thinking.append(summary, this.thinkingText);
      this.thinking.open = streaming && !message.content;
      this.body.prepend(this.thinking);
    }
    const live = streaming && !message.content;
    this.thinking.classList.toggle('live', live);
    this.thinking.querySelector('.thinking-label').textContent = live ? 'Thinking…' : 'Thought process';
    if (this.thinkingText.textContent !== message.reasoning) {
      this.thinkingText.textContent = message.reasoning;
    }
    // the answer has started: fold the reasoning away, unless the reader opened or closed it themselves
    if (!live && this.thinking.open && !this.thinkingTouched) {
      this.thinking.open = false;
    }
  }

  showTools(tools, streaming) {
    const key = JSON.stringify([tools, streaming]);
    if (key === this.toolsKey) {
      return;
    }
    this.toolsKey = key;
    this.tools.hidden = tools.length === 0;
    this.tools.replaceChildren(...tools.map((t) => {
      const item = h('details', 'tool');
      const summary = h('summary');
      summary.append(icon(ICONS.tool, 14), h('span', 'tool-name', t.name || 'tool'),
          // the arguments on the row itself, cut to one line; the whole text is in the folded part
          h('span', 'tool-brief', briefArguments(t.arguments)),
          // a call still without a result when the reply has ended was handed to the client to run (the reply
          // ended with finish_reason "tool_calls"): nothing here runs it, so it is a request, not a run; while the
          // reply streams, a server tool is running it and its tool_result marks it done
          h('span', 'tool-state', t.result !== undefined ? 'done' : streaming ? 'running…' : 'requested'));
      item.append(summary);
      if (t.arguments) {
        item.append(h('div', 'tool-label', 'Arguments'), h('pre', 'tool-args', t.arguments));
      }
      if (t.result !== undefined) {
        item.append(h('div', 'tool-label', 'Result'), h('pre', 'tool-result', t.result));
      }
      return item;
    }));
  }

  /** The connection's state while streaming: a quiet notice while reconnecting. */
  setConnection(name, detail) {
    this.connection = name === 'reconnecting' ? detail : null;
  }

  showNotice(message) {
    if (message.status === 'error' && message.error && message.error.kind === 'limited') {
      this.showLimited(message);
      return;
    }
    clearTimeout(this.countdown);
    let text = null;
    let kind = 'info';
    let action = null;
    if (message.status === 'streaming' && this.connection) {
      const seconds = Math.max(1, Math.round(this.connection.delayMillis / 1000));
      text = `Connection lost. Reconnecting in ${seconds} s…`;
    } else if (message.status === 'stopped') {
      text = 'Stopped.';
    } else if (message.status === 'error' || message.status === 'lost') {
      kind = 'error';
      text = message.error ? message.error.text : 'Something went wrong.';
      action = message.status === 'lost' ? 'Try again' : 'Retry';
    } else if (message.status === 'done' && NOTES[message.finish]) {
      text = NOTES[message.finish];
    }
    const key = `${kind}|${text}|${action}`;
    if (key === this.noticeKey) {
      return;
    }
    this.noticeKey = key;
    this.notice.hidden = text === null;
    this.notice.className = `notice notice-${kind}`;
    this.notice.setAttribute('role', kind === 'error' ? 'alert' : 'note');
    this.notice.replaceChildren();
    if (text === null) {
      return;
    }
    this.notice.append(h('span', 'notice-text', text));
    if (action) {
      const retry = h('button', 'btn btn-small');
      retry.type = 'button';
      retry.dataset.action = 'retry';
      retry.append(icon(ICONS.retry, 14), document.createTextNode(action));
      this.notice.append(retry);
    }
  }

  /**
   * A reply refused by a rate limit: the limit in words, and a Retry button that counts down to the moment the
   * server would accept it, enabled then. The notice is built once (it is an alert: read out once); each second
   * only the countdown's text changes, in parts that are not announced.
   */
  showLimited(message) {
    const error = message.error;
    const key = `limited|${error.limit}|${error.quota}|${error.retryAt}`;
    if (key !== this.noticeKey) {
      this.noticeKey = key;
      this.notice.hidden = false;
      this.notice.className = 'notice notice-error notice-limited';
      this.notice.setAttribute('role', 'alert');
      const text = h('span', 'notice-text');
      if (error.limit === 'day') {
        text.append('Today\'s allowance is used up; it renews at 00:00 UTC.');
      } else {
        const many = error.quota ? `the limit of ${error.quota} replies a minute` : 'the limit of replies a minute';
        const left = h('span', 'countdown');
        left.setAttribute('aria-live', 'off');
        text.append(`You have reached ${many}; try again in `, left, '.');
      }
      const retry = h('button', 'btn btn-small');
      retry.type = 'button';
      retry.dataset.action = 'retry';
      const label = h('span', 'retry-label');
      label.setAttribute('aria-live', 'off');
      retry.append(icon(ICONS.retry, 14), label);
      this.notice.replaceChildren(text, retry);
    }
    const wait = Math.max(0, Math.ceil((error.retryAt - Date.now()) / 1000));
    for (const left of this.notice.querySelectorAll('.countdown')) {
      left.textContent = wait > 0 ? `${duration(wait)}` : 'a moment';
    }
    const retry = this.notice.querySelector('button[data-action=retry]');
    retry.disabled = wait > 0;
    retry.querySelector('.retry-label').textContent = wait > 0 ? `Retry in ${duration(wait)}` : 'Retry';
    clearTimeout(this.countdown);
    if (wait > 0) {
      // to the next whole second of the wait, so the count never skips or stalls
      const next = (error.retryAt - Date.now()) % 1000 || 1000;
      this.countdown = setTimeout(() => this.showNotice(message), next);
    }
  }

  /** Forgets everything shown: the reply is generated again. */
  reset() {
    if (this.thinking) {
      this.thinking.remove();
      this.thinking = null;
    }
    this.thinkingTouched = false;
    this.toolsKey = '';
    this.connection = null;
    this.markdown.clear();
  }
}
