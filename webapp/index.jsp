<%@ page contentType="text/html;charset=UTF-8" pageEncoding="UTF-8" session="false" trimDirectiveWhitespaces="true" %>
<%@ taglib prefix="c" uri="jakarta.tags.core" %>
<%@ taglib prefix="fn" uri="jakarta.tags.functions" %>
<%-- The chat page. Everything is addressed from the webapp's own context path (from the deployment, not from the
     request), so it works at / in the dev server and at /chat (or any mount) in a container.
     ?embed=1 is the compact variant that embed.js puts into an iframe; ?title= names it. --%>
<c:set var="ctx" value="${fn:escapeXml(pageContext.servletContext.contextPath)}"/>
<c:set var="embed" value="${param.embed == '1'}"/>
<c:set var="title" value="${empty param.title ? 'Chat' : fn:substring(param.title, 0, 60)}"/>
<%-- conversations kept on the server (chat.store.url not off): the page lists and keeps them there; off: the one
     conversation in the browser's localStorage --%>
<c:set var="app" value="${applicationScope['io.chatstream.app.ChatApplication']}"/>
<c:set var="kept" value="${app.conversations() != null}"/>
<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1, viewport-fit=cover">
  <meta name="color-scheme" content="light dark">
  <meta name="theme-color" content="#ffffff" media="(prefers-color-scheme: light)">
  <meta name="theme-color" content="#17181c" media="(prefers-color-scheme: dark)">
  <title><c:out value="${title}"/></title>
  <link rel="icon" href="${ctx}/assets/icon.svg" type="image/svg+xml">
  <link rel="stylesheet" href="${ctx}/webjars/highlightjs/11.11.1/styles/github.min.css" media="(prefers-color-scheme: light)">
  <link rel="stylesheet" href="${ctx}/webjars/highlightjs/11.11.1/styles/github-dark.min.css" media="(prefers-color-scheme: dark)">
  <link rel="stylesheet" href="${ctx}/assets/chat.css">
  <script src="${ctx}/webjars/marked/17.0.1/lib/marked.umd.js" defer></script>
  <script src="${ctx}/webjars/dompurify/3.3.3/dist/purify.min.js" defer></script>
  <script src="${ctx}/webjars/highlightjs/11.11.1/highlight.min.js" defer></script>
  <script src="${ctx}/assets/chat.js" type="module"></script>
</head>
<body data-context-path="${ctx}" data-conversations="${kept ? 'server' : 'local'}" data-owner="${app.config().authMode() == 'NONE' ? 'cookie' : 'login'}"${embed ? ' class="embed"' : ''}>
<a class="skip-link" href="#prompt">Skip to the message box</a>
<div class="shell">
<c:if test="${kept}">
  <aside id="sidebar" class="sidebar" aria-label="Conversations" data-state="loading">
    <div class="sidebar-head">
      <button id="sidebar-new" type="button" class="btn sidebar-new" title="New chat (Ctrl+Shift+O)">
        <svg viewBox="0 0 24 24" width="16" height="16" aria-hidden="true" focusable="false"><path d="M12 5v14M5 12h14"/></svg>
        <span>New chat</span>
      </button>
      <button id="sidebar-close" type="button" class="btn btn-ghost btn-icon drawer-only" aria-label="Close the list of conversations">
        <svg viewBox="0 0 24 24" width="16" height="16" aria-hidden="true" focusable="false"><path d="M6 6l12 12M18 6L6 18"/></svg>
      </button>
    </div>
    <div class="search">
      <label for="search" class="visually-hidden">Search conversations</label>
      <input id="search" type="search" placeholder="Search (Ctrl+K)" autocomplete="off" spellcheck="false">
    </div>
    <nav id="conv-scroll" class="conv-scroll" aria-label="Your conversations">
      <div id="conv-pinned" hidden>
        <h2 class="conv-heading">Pinned</h2>
        <ul id="conv-pinned-list" class="conv-list"></ul>
      </div>
      <h2 id="conv-recent" class="conv-heading" hidden>Recent</h2>
      <ul id="conv-list" class="conv-list"></ul>
      <p id="conv-empty" class="conv-empty" hidden></p>
      <div id="conv-more" class="conv-more" aria-hidden="true"></div>
    </nav>
  </aside>
  <div id="backdrop" class="backdrop" hidden></div>
  <div id="toast" class="toast" role="status" hidden>
    <span id="toast-text"></span>
    <button id="undo" type="button" class="btn btn-small">Undo</button>
  </div>
</c:if>
<div class="app">
  <header class="topbar">
    <div class="brand">
      <c:if test="${kept}">
        <button id="menu" type="button" class="btn btn-ghost btn-icon drawer-only" aria-label="Conversations"
                aria-controls="sidebar" aria-expanded="false" title="Conversations">
          <svg viewBox="0 0 24 24" width="18" height="18" aria-hidden="true" focusable="false"><path d="M4 6h16M4 12h16M4 18h16"/></svg>
        </button>
      </c:if>
      <span class="logo" aria-hidden="true">
        <svg viewBox="0 0 24 24" width="18" height="18" focusable="false"><path d="M12 3l1.9 5.6L19.5 10l-5.6 1.9L12 17.5l-1.9-5.6L4.5 10l5.6-1.4z"/></svg>
      </span>
      <h1><c:out value="${title}"/></h1>
    </div>
    <div class="topbar-actions">
      <div id="model-picker" class="model-picker" hidden>
        <label for="model">Model</label>
        <select id="model" name="model"></select>
      </div>
      <button id="new-chat" type="button" class="btn btn-ghost" title="New chat">
        <svg viewBox="0 0 24 24" width="16" height="16" aria-hidden="true" focusable="false"><path d="M12 5v14M5 12h14"/></svg>
        <span>New chat</span>
      </button>
      <c:if test="${embed}">
        <button id="close-embed" type="button" class="btn btn-ghost btn-icon" aria-label="Close chat" title="Close">
          <svg viewBox="0 0 24 24" width="16" height="16" aria-hidden="true" focusable="false"><path d="M6 6l12 12M18 6L6 18"/></svg>
        </button>
      </c:if>
    </div>
  </header>

  <main id="conversation" class="conversation" tabindex="-1" aria-label="Conversation">
    <section id="empty" class="empty" aria-labelledby="empty-title">
      <div class="empty-mark" aria-hidden="true">
        <svg viewBox="0 0 24 24" width="28" height="28" focusable="false"><path d="M12 3l1.9 5.6L19.5 10l-5.6 1.9L12 17.5l-1.9-5.6L4.5 10l5.6-1.4z"/></svg>
      </div>
      <h2 id="empty-title">How can I help?</h2>
      <p>Ask anything. Replies stream in as they are written, and pick up where they left off if the connection drops.</p>
      <div class="suggestions">
        <button type="button" class="suggestion" data-prompt="Explain server-sent events in three sentences.">
          <strong>Explain</strong><span>server-sent events in three sentences</span>
        </button>
        <button type="button" class="suggestion" data-prompt="Write a Java record for a chat message, with a short example.">
          <strong>Write</strong><span>a Java record for a chat message</span>
        </button>
        <button type="button" class="suggestion" data-prompt="Compare SSE and WebSockets in a small table.">
          <strong>Compare</strong><span>SSE and WebSockets in a table</span>
        </button>
        <button type="button" class="suggestion" data-prompt="Give me a checklist for deploying a WAR to Tomcat.">
          <strong>List</strong><span>steps to deploy a WAR to Tomcat</span>
        </button>
      </div>
    </section>
    <section id="missing" class="empty missing" aria-labelledby="missing-title" hidden>
      <h2 id="missing-title">Conversation not found</h2>
      <p>There is no such conversation: it was deleted, or it belongs to someone else.</p>
      <button id="missing-new" type="button" class="btn">Start a new chat</button>
    </section>
    <div id="messages" class="messages" role="log" aria-live="polite" aria-relevant="additions text" aria-label="Messages" hidden></div>
  </main>

  <footer class="composer-area">
    <button id="jump" type="button" class="jump" hidden aria-label="Scroll to the latest message">
      <svg viewBox="0 0 24 24" width="16" height="16" aria-hidden="true" focusable="false"><path d="M12 5v14M6 13l6 6 6-6"/></svg>
    </button>
    <form id="composer" class="composer" novalidate>
      <label for="prompt" class="visually-hidden">Message</label>
      <textarea id="prompt" name="prompt" rows="1" placeholder="Message…" autocomplete="off" enterkeyhint="send"
                aria-describedby="composer-hint"></textarea>
      <button id="send" type="submit" class="send" aria-label="Send message" title="Send (Enter)">
        <svg viewBox="0 0 24 24" width="18" height="18" aria-hidden="true" focusable="false"><path d="M12 19V5M5 12l7-7 7 7"/></svg>
      </button>
      <button id="stop" type="button" class="send stop" aria-label="Stop generating" title="Stop (Esc)" hidden>
        <svg viewBox="0 0 24 24" width="14" height="14" aria-hidden="true" focusable="false"><rect x="5" y="5" width="14" height="14" rx="2"/></svg>
      </button>
    </form>
    <p id="composer-hint" class="hint">Enter to send, Shift+Enter for a new line. Replies can be wrong: check what matters.</p>
    <div id="status" class="visually-hidden" role="status" aria-live="polite"></div>
  </footer>
</div>
</div>
<noscript><p class="noscript">This chat needs JavaScript.</p></noscript>
</body>
</html>
