export function EventsView() {
  return <div class="empty">events</div>;
}
