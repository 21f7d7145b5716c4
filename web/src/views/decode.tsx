export function DecodeView() {
  return <div class="empty">decode</div>;
}
