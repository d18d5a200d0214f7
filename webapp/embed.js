/*
 * The chat as a widget on any page, of any origin:
 *
 *   <script src="https://chat.example.com/chat/embed.js" data-title="Help" defer></script>
 *
 * puts a launcher button in a corner of the page; it opens a panel holding the chat page (?embed=1) in an iframe.
 * The iframe keeps the chat's own origin, styles, storage and connections apart from the host page; the launcher
 * and panel live in a shadow root, so the host's CSS does not reach them either.
 *
 * Attributes of the script element (all optional):
 *   data-title     the panel's title and the launcher's name                 (default "Chat")
 *   data-position  "bottom-right" or "bottom-left"                           (default "bottom-right")
 *   data-open      "true": open the panel at once                            (default closed)
 *   data-color     the launcher's colour, any CSS colour                     (default indigo)
 *
 * The widget appears only where the chat server lets this page's origin use its API (chat.cors.allowed-origins,
 * or the same origin): it first asks {server}/api/health with CORS. The script element's data-state then says
 * "ready" or "unavailable".
 *
 * The panel is the chat page itself, so where the server keeps conversations it lists the person's own (their
 * login, or the chat's owner cookie: the same list as on the full page), in a drawer; on a portal of another site,
 * where that cookie cannot stay, it keeps one local conversation (docs/page.md).
 */
(function () {
  'use strict';

  var script = document.currentScript;
  if (!script || !script.src || window.__chatstreamWidget) {
    return;
  }
  window.__chatstreamWidget = true;

  var base = new URL('.', script.src);
  var data = script.dataset;
  var title = (data.title || 'Chat').slice(0, 60);
  var left = data.position === 'bottom-left';
  var color = data.color && window.CSS && CSS.supports('color', data.color) ? data.color : '#4f46e5';
  var SVG = 'http://www.w3.org/2000/svg';

  var CSS_TEXT = [
    ':host { all: initial; }',
    '.launcher { position: fixed; bottom: 20px; z-index: 2147483000; width: 56px; height: 56px;',
    '  border: 0; border-radius: 50%; background: var(--accent); color: #fff; cursor: pointer;',
    '  display: grid; place-items: center; box-shadow: 0 8px 24px -6px rgba(0,0,0,.35), 0 2px 6px rgba(0,0,0,.15);',
    '  transition: transform .15s ease; }',
    '.launcher:hover { transform: scale(1.05); }',
    '.launcher:focus-visible { outline: 3px solid var(--accent); outline-offset: 3px; }',
    '.launcher svg { width: 26px; height: 26px; fill: none; stroke: currentColor; stroke-width: 2;',
    '  stroke-linecap: round; stroke-linejoin: round; }',
    '.panel { position: fixed; bottom: 88px; z-index: 2147483000; width: 400px; height: min(640px, calc(100vh - 112px));',
    '  border-radius: 16px; overflow: hidden; background: #fff; color-scheme: light dark;',
    '  box-shadow: 0 24px 60px -12px rgba(0,0,0,.35), 0 0 0 1px rgba(0,0,0,.06);',
    '  transform-origin: bottom right; animation: pop .18s ease-out; }',
    '@media (prefers-color-scheme: dark) { .panel { background: #17181c; } }',
    '.panel[hidden] { display: none; }',
    '.panel iframe { display: block; width: 100%; height: 100%; border: 0; }',
    '.left { left: 20px; } .right { right: 20px; } .panel.left { transform-origin: bottom left; }',
    '@keyframes pop { from { opacity: 0; transform: translateY(8px) scale(.98); } }',
    '@media (max-width: 480px) {',
    '  .panel { left: 0; right: 0; bottom: 0; width: 100%; height: 100%; border-radius: 0; }',
    '  .open .launcher { display: none; } }',
    '@media (prefers-reduced-motion: reduce) { .panel, .launcher { animation: none; transition: none; } }',
  ].join('\n');

  function icon(paths) {
    var svg = document.createElementNS(SVG, 'svg');
    svg.setAttribute('viewBox', '0 0 24 24');
    svg.setAttribute('aria-hidden', 'true');
    svg.setAttribute('focusable', 'false');
    paths.forEach(function (d) {
      var path = document.createElementNS(SVG, 'path');
      path.setAttribute('d', d);
      svg.appendChild(path);
    });
    return svg;
  }

  var CHAT_ICON = ['M21 12a8 8 0 0 1-11.6 7.1L4 20l1-4.6A8 8 0 1 1 21 12z'];
  var CLOSE_ICON = ['M6 6l12 12', 'M18 6L6 18'];

  function mount() {
    var host = document.createElement('div');
    host.setAttribute('data-chatstream', '');
    host.style.setProperty('--accent', color);
    var root = host.attachShadow({ mode: 'open' });
    if ('adoptedStyleSheets' in root && typeof CSSStyleSheet === 'function' && CSSStyleSheet.prototype.replaceSync) {
      // a constructed sheet: no inline <style>, so a host page's Content-Security-Policy need not allow one
      var sheet = new CSSStyleSheet();
      sheet.replaceSync(CSS_TEXT);
      root.adoptedStyleSheets = [sheet];
    } else {
      var style = document.createElement('style');
      style.textContent = CSS_TEXT;
      root.appendChild(style);
    }

    var wrap = document.createElement('div');
    var side = left ? 'left' : 'right';
    var panel = document.createElement('div');
    panel.className = 'panel ' + side;
    panel.id = 'chatstream-panel';
    panel.setAttribute('role', 'dialog');
    panel.setAttribute('aria-label', title);
    panel.hidden = true;
    var launcher = document.createElement('button');
    launcher.type = 'button';
    launcher.className = 'launcher ' + side;
    launcher.setAttribute('aria-controls', panel.id);
    wrap.appendChild(panel);
    wrap.appendChild(launcher);
    root.appendChild(wrap);

    var frame = null;
    var loaded = false;
    var pageUrl = new URL('?embed=1&title=' + encodeURIComponent(title), base).href;

    function render(open) {
      wrap.className = open ? 'open' : '';
      panel.hidden = !open;
      launcher.setAttribute('aria-expanded', String(open));
      launcher.setAttribute('aria-label', open ? 'Close ' + title : 'Open ' + title);
      launcher.title = launcher.getAttribute('aria-label');
      launcher.replaceChildren(icon(open ? CLOSE_ICON : CHAT_ICON));
    }

    function open() {
      if (!frame) {
        // the chat loads on first open: a page that never opens it costs one small script
        frame = document.createElement('iframe');
        frame.src = pageUrl;
        frame.title = title;
        frame.setAttribute('allow', 'clipboard-write');
        frame.addEventListener('load', function () {
          loaded = true;
          focusChat();
        });
        panel.appendChild(frame);
      }
      render(true);
      focusChat();
    }

    function focusChat() {
      if (frame && !panel.hidden) {
        frame.focus();
        if (loaded) {
          frame.contentWindow.postMessage({ type: 'chatstream:focus' }, base.origin);
        }
      }
    }

    function close() {
      render(false);
      launcher.focus();
    }

    launcher.addEventListener('click', function () {
      if (panel.hidden) {
        open();
      } else {
        close();
      }
    });
    window.addEventListener('message', function (e) {
      if (frame && e.source === frame.contentWindow && e.origin === base.origin && e.data
          && e.data.type === 'chatstream:close') {
        close();
      }
    });

    render(false);
    document.body.appendChild(host);
    if (data.open === 'true') {
      open();
    }
    script.setAttribute('data-state', 'ready');
  }

  function start() {
    fetch(new URL('api/health', base).href, { mode: 'cors', credentials: 'omit', cache: 'no-store' })
      .then(function (response) {
        if (!response.ok) {
          throw new Error('HTTP ' + response.status);
        }
        mount();
      })
      .catch(function (e) {
        script.setAttribute('data-state', 'unavailable');
        console.warn('Chat widget not shown: ' + base.origin + ' does not let ' + location.origin + ' use its API'
          + ' (chat.cors.allowed-origins), or cannot be reached. ' + e);
      });
  }

  if (document.body) {
    start();
  } else {
    document.addEventListener('DOMContentLoaded', start);
  }
})();
