// Runs in the chat page (executeAsyncScript: markdown.js needs the page's marked, DOMPurify and hljs). arguments:
// the module URL of views.js, the callback. Takes an AssistantView through the states of a reply with a tool call;
// calls back with a list of failures (empty: all passed).
const [moduleUrl, done] = arguments;

import(moduleUrl).then(({ AssistantView }) => {
  const failures = [];
  const check = (name, actual, expected) => {
    if (actual !== expected) {
      failures.push(`${name}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
    }
  };
  const view = new AssistantView({ id: 'tool-rows' }, () => {});
  const state = () => (view.root.querySelector('.tool-state') || {}).textContent;
  const call = { id: 'c1', name: 'get_weather', arguments: '{"city":"Paris"}' };
  const markup = '<b onmouseover="alert(1)">18 °C</b> & sunny';

  view.update({ status: 'streaming', content: '', tools: [call] }, true);
  check('while the reply goes on', state(), 'running…');
  view.update({ status: 'done', finish: 'tool_calls', content: '', tools: [call] }, true);
  check('after finish_reason tool_calls, nothing runs it', state(), 'requested');
  view.update({ status: 'stopped', content: '', tools: [call] }, true);
  check('stopped before its result', state(), 'requested');
  view.update({ status: 'done', finish: 'stop', content: 'ok', tools: [{ ...call, result: markup }] }, true);
  check('with its result', state(), 'done');
  check('the result, as text', (view.root.querySelector('.tool-result') || {}).textContent, markup);
  check('no element made from the result', view.root.querySelectorAll('.tools b').length, 0);
  done(failures);
}).catch((e) => done([String((e && e.stack) || e)]));
