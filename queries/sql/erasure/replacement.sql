{{expression}} AS {{column}}
