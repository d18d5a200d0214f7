// node fetch-event-source-check.mjs RECIPE_FILE_URL API_BASE PROMPT
// Runs the recipe of docs/protocol.md (streamChat) once and prints what it delivered as one line of JSON.
globalThis.window = globalThis; // window.setTimeout, window.clearTimeout
globalThis.document = { hidden: false, addEventListener() {}, removeEventListener() {} };

const [recipeUrl, apiBase, prompt] = process.argv.slice(2);
const { streamChat } = await import(recipeUrl);
const events = [];
try {
  await streamChat(apiBase, { message: prompt }, (event) => events.push(event));
  console.log(JSON.stringify({ events }));
} catch (e) {
  console.log(JSON.stringify({ events, failure: String(e) }));
  process.exitCode = 1;
}
