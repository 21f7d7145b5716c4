export function ChaptersView() {
  return <div class="empty">chapters</div>;
}
