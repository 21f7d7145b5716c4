export function EditorView() {
  return <div class="empty">editor</div>;
}
