use paywire::PayRequest;

#[derive(PayRequest)]
#[pay(format = "xml", sign = "md5-sorted", constant(service = "pay.weixin.wap"))]
struct Order {
    service: String,
}

fn main() {}
