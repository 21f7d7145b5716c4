export function AddressView() {
  return <div class="empty">address</div>;
}
