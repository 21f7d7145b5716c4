export function ReclaimView() {
  return <div class="empty">reclaim</div>;
}
