[lower({{column}})]
