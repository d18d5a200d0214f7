<%@ page contentType="text/html;charset=UTF-8" pageEncoding="UTF-8" %>
<%@ taglib prefix="c" uri="jakarta.tags.core" %>
<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Chat</title>
</head>
<body data-context-path="<c:out value='${pageContext.request.contextPath}'/>">
  <main>
    <h1>Chat</h1>
    <p>The server is running. The API is at <code><c:out value='${pageContext.request.contextPath}'/>/api/chat</code>.</p>
  </main>
</body>
</html>
