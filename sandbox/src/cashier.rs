//! The cashier page at `/`: every order with a Pay button (a paid one with a Notify
//! again button), and a QR code for NATIVE `code_url`s.

use crate::state::{Listed, Order};
use crate::App;
use axum::extract::{Path, Query, State};
use axum::response::{Html, IntoResponse, Response};
use http::StatusCode;
use std::sync::Arc;

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// An SVG QR code of `text`.
pub fn qr_svg(text: &str) -> String {
    match qrcode::QrCode::new(text.as_bytes()) {
        Ok(code) => code
            .render::<qrcode::render::svg::Color<'_>>()
            .min_dimensions(160, 160)
            .build(),
        Err(_) => String::new(),
    }
}

fn row(order: &Order) -> String {
    let status = if order.paid { "paid" } else { "pending" };
    let deliveries = if order.notify_url.is_none() {
        "no notification (not documented by this gateway)".to_owned()
    } else {
        format!(
            "{} attempt(s){}",
            order.attempts(),
            if order.acknowledged {
                ", acknowledged"
            } else {
                ""
            }
        )
    };
    let pay = if order.paid && order.notify_url.is_some() {
        // Gateways deliver a notification again: a merchant tries its books against that.
        format!(
            "<form method=\"post\" action=\"/_sandbox/orders/{id}/notify?redirect=1\"><button id=\"notify-{id}\" type=\"submit\">Notify again</button></form>",
            id = escape(&order.id)
        )
    } else if order.paid {
        String::new()
    } else {
        format!(
            "<form method=\"post\" action=\"/_sandbox/orders/{id}/pay?redirect=1\"><button id=\"pay-{id}\" type=\"submit\">Pay</button></form>",
            id = escape(&order.id)
        )
    };
    let qr = order.code_url.as_deref().map(qr_svg).unwrap_or_default();
    format!(
        "<tr id=\"order-{id}\" data-status=\"{status}\"><td>{id}</td><td>{gateway}</td><td>{out}</td><td>{amount}</td>\
         <td class=\"status\">{status}</td><td>{deliveries}</td><td>{pay}</td><td>{qr}</td></tr>",
        id = escape(&order.id),
        gateway = order.gateway.name(),
        out = escape(&order.out_trade_no),
        amount = paywire::Fen::new(order.amount_fen).to_yuan_string(),
    )
}

/// Orders one cashier page shows.
const PER_PAGE: usize = 50;

#[derive(serde::Deserialize)]
pub struct PageQuery {
    page: Option<usize>,
}

/// Links to the newer and older pages around page `at` of `total` orders.
fn page_links(at: usize, total: usize) -> String {
    let mut links = Vec::new();
    if at > 0 {
        links.push(format!("<a href=\"/?page={}\">newer</a>", at - 1));
    }
    if (at + 1).saturating_mul(PER_PAGE) < total {
        links.push(format!("<a href=\"/?page={}\">older</a>", at + 1));
    }
    links.join(" ")
}

/// `GET /?page=N`: the newest orders first, [`PER_PAGE`] at a time.
pub async fn page(State(app): State<Arc<App>>, Query(q): Query<PageQuery>) -> Html<String> {
    let at = q.page.unwrap_or(0);
    // Rendered where the orders are kept: no order is copied for the page.
    let (rows, total) = app.orders.with_page(
        Listed::NewestFirst,
        at.saturating_mul(PER_PAGE),
        PER_PAGE,
        |shown| {
            let rows: String = shown.orders.iter().map(|o| row(o)).collect();
            (rows, shown.total)
        },
    );
    let links = page_links(at, total);
    Html(format!(
        "<!doctype html><html lang=\"zh\"><head><meta charset=\"utf-8\"><title>paywire sandbox cashier</title>\
         <style>body{{font-family:sans-serif}}td,th{{border:1px solid #ccc;padding:4px 8px}}table{{border-collapse:collapse}}</style>\
         </head><body><h1>paywire sandbox cashier</h1><p>Orders placed with the sandbox, newest first ({total} kept). Pay one to send the gateway's notification.</p>\
         <table><thead><tr><th>order</th><th>gateway</th><th>out_trade_no</th><th>amount (yuan)</th><th>status</th>\
         <th>notification</th><th></th><th>QR</th></tr></thead><tbody>{rows}</tbody></table><p>{links}</p></body></html>"
    ))
}

/// `GET /_sandbox/orders/{id}/cashier`: one order (the `mweb_url` SwiftPass returns).
pub async fn order_page(State(app): State<Arc<App>>, Path(id): Path<String>) -> Response {
    match app.orders.get(&id) {
        Some(order) => Html(format!(
            "<!doctype html><html><head><meta charset=\"utf-8\"><title>pay {id}</title></head><body><table>{}</table></body></html>",
            row(&order),
            id = escape(&id)
        ))
        .into_response(),
        None => (StatusCode::NOT_FOUND, "no such order").into_response(),
    }
}
