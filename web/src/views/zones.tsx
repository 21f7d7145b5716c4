export function ZonesView() {
  return <div class="empty">zones</div>;
}
