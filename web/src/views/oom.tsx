export function OomView() {
  return <div class="empty">oom</div>;
}
